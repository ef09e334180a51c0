import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyAssets } from '../assets.js';
import { HOST_CHECKS } from '../checks/index.js';
import { runChecks } from '../run.js';
import { collectLiveHost } from './live.js';
import { runProbe } from './probes.js';

const REDIS = '/usr/bin/redis-server';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitForPort(port: number, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((r) => {
      const c = net.connect({ host: '127.0.0.1', port }, () => {
        c.destroy();
        r(true);
      });
      c.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} did not open`);
}

function startRedis(port: number, password?: string): ChildProcess {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    '/tmp',
  ];
  if (password) args.push('--requirepass', password);
  return spawn(REDIS, args, { stdio: 'ignore' });
}

// Without redis-server the test is skipped, except under MINEWARDEN_REQUIRE_SERVICES=1 (CI), where it runs and fails.
const runLive = existsSync(REDIS) || process.env.MINEWARDEN_REQUIRE_SERVICES === '1';

describe.skipIf(!runLive)('live probes of our own listeners (loopback only)', () => {
  const children: ChildProcess[] = [];
  let open = 0;
  let locked = 0;
  let docker = 0;
  let server: http.Server;

  beforeAll(async () => {
    if (!existsSync(REDIS)) throw new Error(`${REDIS} is required: apt-get install redis-server`);
    [open, locked] = [await freePort(), await freePort()];
    // Nothing identifies a stand-in process as dockerd, so it takes dockerd's well-known port (loopback only).
    docker = 2375;
    children.push(startRedis(open), startRedis(locked, 'a-long-test-password'));
    // A stand-in for dockerd's API on TCP: answers GET /version the way the real one does.
    server = http.createServer((req, res) => {
      if (req.url === '/version') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ Version: '24.0.7', ApiVersion: '1.43', Os: 'linux' }));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r, j) => {
      server.once('error', j);
      server.listen(docker, '127.0.0.1', r);
    });
    await Promise.all([waitForPort(open), waitForPort(locked)]);
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGTERM');
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('tells an open Redis from a password-protected one', async () => {
    const a = await runProbe({ kind: 'redis', host: '127.0.0.1', port: open });
    expect(a.unauthenticated).toBe(true);
    expect(a.version).toMatch(/^\d+\.\d+/);
    const b = await runProbe({ kind: 'redis', host: '127.0.0.1', port: locked });
    expect(b.unauthenticated).toBe(false);
    expect(b.response).toMatch(/NOAUTH/);
  });

  it('refuses to probe anything but loopback', async () => {
    const r = await runProbe({ kind: 'redis', host: '10.0.0.1' as '127.0.0.1', port: open });
    expect(r.error).toMatch(/loopback only/);
  });

  it('posture --host reports exactly the unauthenticated listeners, with evidence', async () => {
    const { facts } = await collectLiveHost({ root: '/', probe: true });
    const mine = new Set([open, locked, docker]);
    // The listeners of this test are identified from their processes, not only their ports.
    expect(facts.listeners.find((l) => l.port === open)?.service).toBe('redis');
    const findings = runChecks(
      { ...emptyAssets(), host: facts },
      HOST_CHECKS,
      { id: 'h', name: 'h' },
      new Date().toISOString(),
    ).filter((f) => f.ruleId === 'posture.host.unauthenticated-service' && mine.has(f.entity.port ?? -1));
    expect(findings.map((f) => [f.entity.port, f.evidence.probe]).sort()).toEqual(
      [
        [open, 'redis'],
        [docker, 'docker'],
      ].sort(),
    );
    const redis = findings.find((f) => f.entity.port === open)!;
    expect(redis.evidence.response).toMatch(/^\+PONG/);
    // Debian's redis-server is a symlink to redis-check-rdb; the kernel reports the target.
    expect(String(redis.evidence.exe)).toMatch(/redis-(server|check-rdb)$/);
    const dock = findings.find((f) => f.entity.port === docker)!;
    expect(dock.evidence).toMatchObject({ version: '24.0.7', scope: 'loopback' });
    expect(dock.evidence.response).toMatch(/^HTTP 200 /);
  });
});
