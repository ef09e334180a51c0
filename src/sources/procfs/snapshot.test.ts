import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeRoot, tcp4Line } from '../../../test/helpers/fake-proc.js';
import { MinewardenError } from '../../model/errors.js';
import { snapshotEvents } from './events.js';
import { takeSnapshot } from './snapshot.js';

describe('takeSnapshot on a fake root', () => {
  let fake: FakeRoot;
  // Removing a 10,000-process tree takes a while on a busy machine.
  afterEach(() => fake.cleanup(), 120_000);

  it('reads processes, users, containers and maps sockets to pids', async () => {
    fake = new FakeRoot();
    const cid = 'b'.repeat(64);
    fake
      .add({ pid: 1, ppid: 0, comm: 'init', argv: ['/sbin/init'], exe: '/sbin/init', cwd: '/' })
      .add({
        pid: 200,
        ppid: 1,
        comm: 'nginx',
        uid: 33,
        argv: ['nginx', '-g', 'daemon off;'],
        exe: '/usr/sbin/nginx',
        cwd: '/',
        sockets: [9001],
        cgroup: `0::/system.slice/docker-${cid}.scope\n`,
      })
      .add({
        pid: 300,
        ppid: 1,
        comm: 'kdevtmpfsi',
        argv: ['kdevtmpfsi'],
        exe: '/tmp/kdevtmpfsi (deleted)',
        cwd: '/tmp',
        sockets: [9002],
        utime: 5000,
        starttime: 2000,
      })
      .add({ pid: 2, ppid: 0, comm: 'kthreadd', flags: 0x00200040 })
      .netTable('tcp', [
        tcp4Line(0, '0.0.0.0', 80, '0.0.0.0', 0, '0A', 9001, 33),
        tcp4Line(1, '10.0.0.5', 51000, '203.0.113.7', 3333, '01', 9002),
      ]);
    const snap = await takeSnapshot({ root: fake.root, sampleMs: 0 });
    expect(snap.host).toMatchObject({ id: '0123456789abcdef0123456789abcdef', name: 'fakehost' });
    expect(snap.processes).toHaveLength(4);
    const nginx = snap.processes.find((p) => p.pid === 200);
    expect(nginx).toMatchObject({
      user: 'www-data',
      exe: '/usr/sbin/nginx',
      containerId: cid,
      containerRuntime: 'docker',
      args: ['nginx', '-g', 'daemon off;'],
    });
    const miner = snap.processes.find((p) => p.pid === 300);
    expect(miner).toMatchObject({
      exe: '/tmp/kdevtmpfsi',
      exeDeleted: true,
      cpuSeconds: 50.05,
      startTime: 1700000000000 + 20000,
    });
    expect(snap.processes.find((p) => p.pid === 2)?.kernelThread).toBe(true);
    expect(snap.listeners).toEqual([
      expect.objectContaining({ port: 80, scope: 'any', pids: [200], transport: 'tcp' }),
    ]);
    const conn = snap.sockets.find((s) => s.inode === 9002);
    expect(conn).toMatchObject({
      remoteIp: '203.0.113.7',
      remotePort: 3333,
      state: 'ESTABLISHED',
      pids: [300],
    });

    const events = snapshotEvents(snap);
    const connEvent = events.find((e) => e.kind === 'connection');
    expect(connEvent?.fields).toMatchObject({
      'process.pid': 300,
      'process.exe': '/tmp/kdevtmpfsi',
      'destination.port': 3333,
      'network.initiated': true,
    });
    const procEvent = events.find((e) => e.kind === 'process' && e.fields['process.pid'] === 200);
    expect(procEvent?.fields).toMatchObject({
      'parent.exe': '/sbin/init',
      'process.commandLine': 'nginx -g daemon off;',
    });
  });

  it('reads sockets of other network namespaces through a member process', async () => {
    fake = new FakeRoot();
    fake
      .add({ pid: 10, comm: 'host', argv: ['host'], netns: 111, sockets: [1] })
      .add({ pid: 20, comm: 'in-container', argv: ['redis-server'], netns: 222, sockets: [2] })
      .netTable('tcp', [tcp4Line(0, '127.0.0.1', 22, '0.0.0.0', 0, '0A', 1)])
      .netTable('tcp', [tcp4Line(0, '127.0.0.1', 22, '0.0.0.0', 0, '0A', 1)], join(fake.proc, '10', 'net'))
      .netTable('tcp', [tcp4Line(0, '0.0.0.0', 6379, '0.0.0.0', 0, '0A', 2)], join(fake.proc, '20', 'net'));
    const snap = await takeSnapshot({ root: fake.root, sampleMs: 0 });
    expect(snap.listeners.map((l) => [l.port, l.pids])).toEqual([
      [22, [10]],
      [6379, [20]],
    ]);
  });

  it('survives hostile entries with one warning each', async () => {
    fake = new FakeRoot();
    fake
      .add({ pid: 1, comm: 'init', argv: ['/sbin/init'], exe: '/sbin/init' })
      .add({ pid: 50, stat: '50 (trunc) S 1 0' })
      .add({ pid: 51, stat: '\u0000\u0001\u00ff\u00fe binary garbage' })
      .add({ pid: 52, comm: 'nonul', cmdlineRaw: Buffer.from('xmrig --donate-level 1') })
      .add({
        pid: 53,
        comm: 'badutf',
        cmdlineRaw: Buffer.from([0x2f, 0x74, 0xff, 0xc3, 0x00, 0x2d, 0x6f, 0x00]),
      })
      .add({ pid: 54, comm: 'huge', cmdlineRaw: Buffer.alloc(1024 * 1024, 0x41) });
    // exe that cannot be read as a link; a pid whose directory lost its files (vanished between listing and reading).
    mkdirSync(join(fake.proc, '55'));
    fake.add({ pid: 56, comm: 'noexe', argv: ['x'] });
    writeFileSync(join(fake.proc, '56', 'exe'), 'not a link');
    fake.netTable('tcp6', ['garbage line', '   0: 0000:0016 zz 0A']);

    const snap = await takeSnapshot({ root: fake.root, sampleMs: 0, cmdlineCap: 64 * 1024 });
    const pids = snap.processes.map((p) => p.pid).sort((a, b) => a - b);
    expect(pids).toEqual([1, 52, 53, 54, 56]);
    expect(snap.processes.find((p) => p.pid === 52)?.args).toEqual(['xmrig --donate-level 1']);
    expect(snap.processes.find((p) => p.pid === 53)?.args).toEqual(['/t\ufffd\ufffd', '-o']);
    const huge = snap.processes.find((p) => p.pid === 54);
    expect(huge?.argsTruncated).toBe(true);
    expect(huge?.args[0]?.length).toBe(64 * 1024);
    expect(snap.processes.find((p) => p.pid === 56)?.exe).toBeNull();
    const codes = snap.warnings.map((w) => `${w.code} ${w.path ?? ''}`);
    expect(codes).toContain(`MW_W_PROC_MALFORMED ${join(fake.proc, '50', 'stat')}`);
    expect(codes).toContain(`MW_W_PROC_MALFORMED ${join(fake.proc, '51', 'stat')}`);
    expect(codes).toContain(`MW_W_PROC_VANISHED ${join(fake.proc, '55')}`);
    expect(codes).toContain(`MW_W_NET_MALFORMED ${join(fake.proc, 'net', 'tcp6')}`);
    expect(snap.warnings.filter((w) => w.path === join(fake.proc, '50', 'stat'))).toHaveLength(1);
  });

  it('handles 10,000 processes', async () => {
    fake = new FakeRoot();
    for (let pid = 1; pid <= 10_000; pid++)
      fake.add({ pid, comm: `w${pid}`, argv: [`/usr/bin/w${pid}`, '--serve'], exe: `/usr/bin/w${pid % 50}` });
    const snap = await takeSnapshot({ root: fake.root, sampleMs: 0, hash: false });
    expect(snap.processes).toHaveLength(10_000);
    expect(snap.warnings).toEqual([]);
  }, 120_000);

  it('rejects a root without proc/ with a coded error naming the option', async () => {
    fake = new FakeRoot();
    await expect(takeSnapshot({ root: join(fake.root, 'etc') })).rejects.toThrow(MinewardenError);
    await expect(takeSnapshot({ root: join(fake.root, 'nope') })).rejects.toThrow(/--root/);
  });
});

describe('takeSnapshot on the live /proc', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer(() => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    port = typeof addr === 'object' && addr ? addr.port : 0;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sees this test process, its executable hash, its listener and CPU use', async () => {
    const snap = await takeSnapshot({ sampleMs: 200 });
    const self = snap.processes.find((p) => p.pid === process.pid);
    expect(self?.exe).toBe(process.execPath);
    expect(self?.cpuPercent).not.toBeNull();
    expect(self?.startTime).toBeLessThanOrEqual(Date.now());
    expect(self?.startTime).toBeGreaterThan(Date.now() - 3600_000);
    const listener = snap.listeners.find((l) => l.port === port);
    expect(listener).toMatchObject({ ip: '127.0.0.1', scope: 'loopback', transport: 'tcp' });
    expect(listener?.pids).toContain(process.pid);
    const sleeper = snap.processes.find((p) => p.sha256 !== null);
    expect(sleeper?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(snap.host.id).not.toBe('');
  });
});
