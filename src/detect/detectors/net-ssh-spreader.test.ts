import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventFields, TelemetryEvent } from '../../model/event.js';
import { snapshotEvents } from '../../sources/procfs/events.js';
import { takeSnapshot } from '../../sources/procfs/snapshot.js';
import { execTargets, sshSpreader } from './net-ssh-spreader.js';

const T0 = 1_700_000_000_000;

function ev(kind: TelemetryEvent['kind'], fields: EventFields, time = T0): TelemetryEvent {
  return { kind, time, hostId: 'h', source: 'test', fields };
}

function proc(kind: 'process' | 'exec', pid: number, ppid: number, args: string[], time = T0) {
  return ev(
    kind,
    {
      'process.pid': pid,
      'process.ppid': ppid,
      'process.name': args[0]?.split('/').pop() ?? '',
      'process.exe': `/usr/bin/${args[0]}`,
      'process.args': args,
      'process.commandLine': args.join(' '),
    },
    time,
  );
}

function conn(pid: number, ip: string, port = 22, initiated = true, time = T0): TelemetryEvent {
  return ev(
    'connection',
    {
      'process.pid': pid,
      'destination.ip': ip,
      'destination.port': port,
      'network.state': 'SYN_SENT',
      'network.initiated': initiated,
    },
    time,
  );
}

function run(events: TelemetryEvent[], opts = {}) {
  const d = sshSpreader(opts);
  const hits = events.map((e) => d.detect(e)).filter((h) => h !== null);
  return { hits, snapshot: d.snapshot() };
}

describe('lateral.ssh-spreader: sockets in the scan', () => {
  it('reports many SSH connections to distinct hosts, naming the program behind the ssh clients', () => {
    const events = [proc('process', 100, 1, ['/tmp/.x/kdevtmpfsi'])];
    for (let i = 1; i <= 12; i++) {
      events.push(proc('process', 200 + i, 100, ['ssh', '-oBatchMode=yes', `root@10.0.0.${i}`]));
      events.push(conn(200 + i, `10.0.0.${i}`));
    }
    const { snapshot } = run(events);
    expect(snapshot).toEqual([
      expect.objectContaining({
        entity: expect.objectContaining({ kind: 'process', pid: 100 }),
        evidence: expect.objectContaining({ destinations: 12, fromOrigin: 12, via: ['exec', 'socket'] }),
      }),
    ]);
  });

  it('ignores one busy destination, few destinations, other ports, inbound SSH and a spread-out trickle', () => {
    const same = Array.from({ length: 30 }, (_, i) => conn(300 + i, '10.0.0.1'));
    expect(run(same).hits).toEqual([]);
    const few = Array.from({ length: 9 }, (_, i) => conn(300 + i, `10.0.1.${i}`));
    expect(run(few).hits).toEqual([]);
    const https = Array.from({ length: 30 }, (_, i) => conn(300, `10.0.2.${i}`, 443));
    expect(run(https).hits).toEqual([]);
    const inbound = Array.from({ length: 30 }, (_, i) => conn(300, `10.0.3.${i}`, 22, false));
    expect(run(inbound).hits).toEqual([]);
    // one new host every 10 s: never 10 within a minute
    const trickle = Array.from({ length: 30 }, (_, i) => conn(300, `10.0.4.${i}`, 22, true, T0 + i * 10_000));
    expect(run(trickle).hits).toEqual([]);
  });
});

describe('lateral.ssh-spreader: execs and command lines', () => {
  it('counts the targets of sshpass/ssh execs started by one script', () => {
    const events = [proc('exec', 50, 1, ['bash', '/tmp/.s/spread.sh'])];
    for (let i = 1; i <= 10; i++) {
      events.push(
        proc(
          'exec',
          60 + i,
          50,
          ['sshpass', '-p', 'x', 'ssh', '-o', 'StrictHostKeyChecking=no', `root@192.0.2.${i}`],
          T0 + i * 100,
        ),
      );
      events.push(
        proc(
          'exec',
          80 + i,
          60 + i,
          ['ssh', '-o', 'StrictHostKeyChecking=no', `root@192.0.2.${i}`],
          T0 + i * 100,
        ),
      );
    }
    const { hits } = run(events);
    expect(hits.at(-1)).toMatchObject({
      entity: { kind: 'process', pid: 50 },
      evidence: { destinations: 10, via: ['exec'] },
    });
  });

  it('counts one shell line that names many addresses for an SSH client, and pssh hosts', () => {
    const ips = Array.from({ length: 12 }, (_, i) => `198.51.100.${i + 1}`);
    const loop = proc('exec', 70, 1, [
      'sh',
      '-c',
      `for ip in ${ips.join(' ')}; do sshpass -p 123456 ssh root@$ip id; done`,
    ]);
    expect(run([loop]).hits).toEqual([
      expect.objectContaining({
        evidence: expect.objectContaining({ destinations: 12, via: ['command-line'] }),
      }),
    ]);
    const pssh = proc('exec', 71, 1, ['pssh', '-H', ips.join(' '), '-i', 'uptime']);
    expect(run([pssh]).hits).toHaveLength(1);
  });

  it('ignores repeated logins to one host and address lists that are not for SSH', () => {
    const admin = Array.from({ length: 20 }, (_, i) =>
      proc(
        'exec',
        400 + i,
        399,
        ['ssh', '-p', '2222', '-i', '/root/.ssh/id_ed25519', 'deploy@build.example'],
        T0 + i,
      ),
    );
    expect(run(admin).hits).toEqual([]);
    const ips = Array.from({ length: 12 }, (_, i) => `203.0.113.${i + 1}`);
    const fw = proc('exec', 500, 1, [
      'sh',
      '-c',
      `for ip in ${ips.join(' ')}; do iptables -A INPUT -s $ip -j DROP; done`,
    ]);
    expect(run([fw]).hits).toEqual([]);
  });

  it('reads the destination of ssh, scp and sshpass argv', () => {
    expect(execTargets(['ssh', '-p', '22', '-i', 'k', '-4v', 'root@10.0.0.1', 'id'])).toEqual(['10.0.0.1']);
    expect(execTargets(['scp', '-P', '22', 'f', 'u@[2001:db8::1]:/tmp/f'])).toEqual(['2001:db8::1']);
    expect(execTargets(['scp', 'u@h.example:/tmp/f', '.'])).toEqual(['h.example']);
    expect(execTargets(['sshpass', '-p', 'pw', 'ssh', 'ssh://root@h2'])).toEqual(['h2']);
    expect(execTargets(['pssh', '-H', 'a b', '-Hc', 'true'])).toEqual(['a', 'b', 'c']);
    expect(execTargets(['ls', 'x'])).toEqual([]);
  });
});

describe('lateral.ssh-spreader: live sockets', () => {
  const servers: Server[] = [];
  const clients: Socket[] = [];
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('sees this process connect to twelve loopback "SSH" listeners', async () => {
    // a fresh port per run: sockets of an earlier run may linger in TIME_WAIT (and would count, rightly)
    const port = 20000 + Math.floor(Math.random() * 10_000);
    const ips = Array.from({ length: 12 }, (_, i) => `127.0.0.${60 + i}`);
    for (const ip of ips) {
      const s = createServer((c) => c.on('error', () => {}));
      await new Promise<void>((ok, fail) => {
        s.once('error', fail);
        s.listen(port, ip, ok);
      });
      servers.push(s);
    }
    for (const ip of ips) {
      const c = connect(port, ip);
      c.on('error', () => {});
      await new Promise((r) => c.once('connect', r));
      clients.push(c);
    }
    const snap = await takeSnapshot({ sampleMs: 0, hash: false });
    const { snapshot } = run(snapshotEvents(snap), { ports: [port] });
    expect(snapshot).toEqual([
      expect.objectContaining({
        entity: expect.objectContaining({ kind: 'process', pid: process.pid }),
        evidence: expect.objectContaining({ destinations: 12, sample: expect.arrayContaining(ips) }),
      }),
    ]);
  });
});
