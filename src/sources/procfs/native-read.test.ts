import { type ChildProcess, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeRoot, tcp4Line } from '../../../test/helpers/fake-proc.js';
import type { ProcessInfo } from '../../model/inventory.js';
import { loadProcfsReadAddon } from './native-read.js';
import { type HostSnapshot, takeSnapshot } from './snapshot.js';

const built = loadProcfsReadAddon() !== null;

/** Everything a snapshot says, minus when it was taken and how long it took. */
function comparable(s: HostSnapshot): unknown {
  const { time: _t, stats, ...rest } = s;
  const { collectMs: _c, ...counts } = stats;
  return { ...rest, counts };
}

function hostileTree(fake: FakeRoot): void {
  const cid = 'c'.repeat(64);
  fake
    .add({ pid: 1, ppid: 0, comm: 'init', argv: ['/sbin/init'], exe: '/sbin/init', cwd: '/' })
    .add({
      pid: 200,
      comm: 'nginx',
      uid: 33,
      argv: ['nginx', '-g', 'daemon off;'],
      exe: '/usr/sbin/nginx',
      cwd: '/',
      sockets: [9001, 9003],
      netns: 4026531840,
      cgroup: `0::/system.slice/docker-${cid}.scope\n`,
    })
    .add({
      pid: 300,
      comm: 'kdevtmpfsi',
      argv: ['kdevtmpfsi'],
      exe: '/tmp/kdevtmpfsi (deleted)',
      sockets: [9002],
    })
    .add({ pid: 301, comm: 'memfd', argv: ['x'], exe: '/memfd:x (deleted)', cwd: '/dev/shm' })
    .add({ pid: 2, ppid: 0, comm: 'kthreadd', flags: 0x00200040, sockets: [7] })
    .add({ pid: 3, comm: 'odd) name (x', argv: ['a'], exe: '/bin/odd' })
    .add({ pid: 4, stat: '4 (neg)  S 1 4 4 0 -1 4194560 0 0 0 0 10 5 0 0 20 0 1 0 1000 1000000 250 0' })
    .add({ pid: 5, stat: '5 (short) S 1 5 5 0 -1 4194560 0 0 0 0 10 5 0 0 20 0 1 0 1000 1000000 250' })
    .add({ pid: 6, stat: '7 (wrongpid) S 1 5 5 0 -1 4194560 0 0 0 0 10 5 0 0 20 0 1 0 1000 1000000 250 0' })
    .add({ pid: 50, stat: '50 (trunc) S 1 0' })
    .add({ pid: 51, stat: '\u0000\u0001\u00ff\u00fe binary garbage' })
    .add({ pid: 52, comm: 'nonul', cmdlineRaw: Buffer.from('xmrig --donate-level 1') })
    .add({
      pid: 53,
      comm: 'badutf',
      cmdlineRaw: Buffer.from([0x2f, 0x74, 0xff, 0xc3, 0x00, 0x2d, 0x6f, 0x00]),
    })
    .add({ pid: 54, comm: 'huge', cmdlineRaw: Buffer.alloc(1024 * 1024, 0x41) })
    .add({ pid: 56, comm: 'noexe', argv: ['x'] })
    .add({
      pid: 57,
      comm: 'manyfds',
      argv: ['y'],
      sockets: Array.from({ length: 40_000 }, (_, i) => 50_000 + i),
    })
    .add({ pid: 58, comm: 'nouid', argv: ['z'] })
    .add({ pid: 59, comm: 'twouid', argv: ['z'] })
    .netTable('tcp', [
      tcp4Line(0, '0.0.0.0', 80, '0.0.0.0', 0, '0A', 9001, 33),
      tcp4Line(1, '10.0.0.5', 51000, '203.0.113.7', 3333, '01', 9002),
    ]);
  mkdirSync(join(fake.proc, '55'));
  writeFileSync(join(fake.proc, '56', 'exe'), 'not a link');
  writeFileSync(join(fake.proc, '58', 'status'), 'Name:\tnouid\nUid:\n');
  writeFileSync(join(fake.proc, '59', 'status'), 'Uid:\t1000\t0\t0\t0\nUid:\tx\nUid: 0x21\n');
  writeFileSync(join(fake.proc, '300', 'fd', '9'), 'socket:[12]');
  mkdirSync(join(fake.proc, '200', 'fd', 'sub'));
}

describe.skipIf(!built)('native /proc reader', () => {
  let fake: FakeRoot | null = null;
  const children: ChildProcess[] = [];
  afterEach(() => {
    fake?.cleanup();
    fake = null;
    for (const c of children.splice(0)) c.kill('SIGKILL');
  });

  it('gives the same snapshot as the JS reader on hostile and ordinary fixture trees', async () => {
    fake = new FakeRoot();
    hostileTree(fake);
    for (let pid = 1000; pid < 1500; pid++)
      fake.add({ pid, comm: `w${pid % 9}`, argv: [`/usr/bin/w${pid}`, '-x'], exe: '/bin/sh', cwd: '/srv' });
    for (const cmdlineCap of [64 * 1024, 100]) {
      const js = await takeSnapshot({ root: fake.root, sampleMs: 0, reader: 'js', cmdlineCap });
      const native = await takeSnapshot({ root: fake.root, sampleMs: 0, reader: 'native', cmdlineCap });
      // Compared as text: a diff of the 40,000-socket process would take minutes to print.
      const a = comparable(native) as { processes: ProcessInfo[] };
      const b = comparable(js) as { processes: ProcessInfo[] };
      const differing = b.processes
        .filter((p, i) => JSON.stringify(p) !== JSON.stringify(a.processes[i]))
        .map((p) => p.pid);
      expect(differing).toEqual([]);
      expect(JSON.stringify(a) === JSON.stringify(b)).toBe(true);
      expect(js.processes.length).toBeGreaterThan(500);
      expect(js.processes.find((p) => p.pid === 57)?.socketInodes).toHaveLength(40_000);
    }
  }, 60_000);

  it('gives the same processes as the JS reader on the live /proc', async () => {
    // Processes change between reads (exec, exit, new sockets): compare those two native reads around the JS read
    // agree on, and leave out what moves all the time (a value may also flip and flip back).
    const stable = (p: ProcessInfo): unknown => {
      const {
        state: _s,
        threads: _t,
        rssBytes: _r,
        cpuSeconds: _c,
        childCpuSeconds: _cc,
        cpuPercent: _p,
        socketInodes: _i,
        ...rest
      } = p;
      // A kworker's name is the workqueue it serves at the moment.
      return p.kernelThread ? { ...rest, name: '' } : rest;
    };
    const byPid = (s: HostSnapshot) => new Map(s.processes.map((p) => [p.pid, JSON.stringify(stable(p))]));
    const before = byPid(await takeSnapshot({ sampleMs: 0, reader: 'native' }));
    const js = byPid(await takeSnapshot({ sampleMs: 0, reader: 'js' }));
    const after = byPid(await takeSnapshot({ sampleMs: 0, reader: 'native' }));
    let compared = 0;
    for (const [pid, p] of before) {
      if (after.get(pid) !== p || !js.has(pid)) continue;
      expect(js.get(pid), `pid ${pid}`).toBe(p);
      compared++;
    }
    expect(compared).toBeGreaterThan(5);
    const self = (await takeSnapshot({ sampleMs: 0, reader: 'native' })).processes.find(
      (p) => p.pid === process.pid,
    );
    expect(self?.exe).toBe(process.execPath);
    expect(self?.uid).toBe(process.getuid?.());
  });

  it('sees a deleted binary, as the JS reader does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-exe-'));
    try {
      const deleted = join(dir, 'deleted');
      copyFileSync('/bin/sleep', deleted);
      const b = spawn(deleted, ['30'], { stdio: 'ignore' });
      children.push(b);
      await new Promise((r) => setTimeout(r, 200));
      rmSync(deleted);
      for (const reader of ['native', 'js'] as const) {
        const snap = await takeSnapshot({ sampleMs: 0, reader });
        expect(snap.processes.find((p) => p.pid === b.pid)).toMatchObject({
          exe: deleted,
          exeReplaced: false,
          exeDeleted: true,
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(process.getuid?.() !== 0 || !existsSync('/usr/bin/unshare'))(
    "sees a binary whose path another file was mounted over, inside the process's own mount namespace",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mw-exe-'));
      try {
        const masked = join(dir, 'masked');
        copyFileSync('/bin/sleep', masked);
        // A private mount namespace (unshare's default propagation): the bind mount is seen only inside it.
        const sh = spawn(
          '/usr/bin/unshare',
          [
            '-m',
            '/bin/sh',
            '-c',
            `"${masked}" 30 & sleep 0.2; mount --bind /bin/true "${masked}"; echo $!; wait`,
          ],
          { stdio: ['ignore', 'pipe', 'ignore'] },
        );
        children.push(sh);
        const pid = Number(
          await new Promise<string>((r) => sh.stdout?.once('data', (d: Buffer) => r(String(d)))),
        );
        try {
          for (const reader of ['native', 'js'] as const) {
            const snap = await takeSnapshot({ sampleMs: 0, reader });
            expect(snap.processes.find((p) => p.pid === pid)).toMatchObject({
              exe: masked,
              exeReplaced: true,
              exeDeleted: false,
            });
          }
        } finally {
          process.kill(pid, 'SIGKILL');
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  const python = '/usr/bin/python3';
  it.skipIf(process.getuid?.() !== 0 || !existsSync(python))(
    "takes the uid from /proc/PID's owner, and from status when a process made itself non-dumpable",
    async () => {
      // PR_SET_DUMPABLE = 4: a non-dumpable process's /proc/PID belongs to root whatever its uid.
      const dumpable = spawn(python, ['-c', 'import time; print(1, flush=True); time.sleep(30)'], {
        uid: 65534,
        gid: 65534,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const hidden = spawn(
        python,
        [
          '-c',
          'import ctypes, time; ctypes.CDLL(None).prctl(4, 0, 0, 0, 0); print(1, flush=True); time.sleep(30)',
        ],
        { uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'ignore'] },
      );
      children.push(dumpable, hidden);
      await Promise.all([dumpable, hidden].map((c) => new Promise((r) => c.stdout?.once('data', r))));
      const realUid = (pid: number) =>
        Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1]);
      for (const reader of ['native', 'js'] as const) {
        const snap = await takeSnapshot({ sampleMs: 0, reader });
        for (const c of [dumpable, hidden]) {
          const p = snap.processes.find((x) => x.pid === c.pid);
          expect(p?.uid).toBe(65534);
          expect(p?.uid).toBe(realUid(c.pid ?? 0));
        }
      }
    },
  );
});
