import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent.js';
import { loadAgentConfig } from '../../src/agent/config.js';
import { enroll } from '../../src/agent/enroll.js';
import { HttpTransport } from '../../src/agent/transport.js';
import { openStore } from '../../src/store/open.js';
import { killHard, type ServerProcess, startServerProcess } from './server-process.js';
import { drained, simulatedScan, until } from './sim-agent.js';

const dir = mkdtempSync(join(tmpdir(), 'mw-rel-'));
const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) await killHard(s);
  rmSync(dir, { recursive: true, force: true });
});

async function login(url: string, admin: { name: string; password: string }): Promise<string> {
  const r = await fetch(`${url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: admin.name, password: admin.password }),
  });
  return (r.headers.get('set-cookie') ?? '').split(';')[0]!;
}

describe('reliability', () => {
  it('kill -9 of the server while 20 agents send: after restart every finding is stored exactly once', async () => {
    const db = `sqlite:${join(dir, 'server.db')}`;
    const first = await startServerProcess(['--db', db, '--port', '0']);
    servers.push(first);
    const port = new URL(first.url).port;
    const cookie = await login(first.url, first.firstAdmin!);
    const et = await fetch(`${first.url}/api/enrollment-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ maxUses: 20 }),
    });
    const token = ((await et.json()) as { token: string }).token;

    const sims = Array.from({ length: 20 }, (_, i) => simulatedScan(`sim-${i}`, 10));
    const agents: Agent[] = [];
    for (const [i, sim] of sims.entries()) {
      const stateDir = join(dir, `agent-${i}`);
      const cred = await enroll(first.url, token, { id: `sim-${i}`, name: `sim-${i}` }, stateDir);
      const config = loadAgentConfig(undefined, {
        server: first.url,
        stateDir,
        scanIntervalMs: 3_600_000,
        heartbeatIntervalMs: 3_600_000,
        backoff: { initialMs: 50, maxMs: 300 },
      });
      agents.push(
        new Agent({ config, transport: new HttpTransport(first.url, () => cred.credential), scan: sim.scan }),
      );
    }
    for (const a of agents) a.start();
    // Keep every agent producing while the server dies under it.
    let producing = true;
    const producers = agents.map(async (a) => {
      while (producing) {
        await a.scanOnce();
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    await until('some batches acknowledged', () => agents.reduce((n, a) => n + a.shipper.sent, 0) >= 60);
    await killHard(first);
    await until('agents notice', () => agents.every((a) => a.shipper.retries > 0), 10_000);
    const second = await startServerProcess(['--db', db, '--port', port]);
    servers.push(second);
    await new Promise((r) => setTimeout(r, 300));
    producing = false;
    await Promise.all(producers);
    await until('drain', () => drained(agents), 30_000);
    const dropped = agents.reduce((n, a) => n + a.queue.counter('dropped') + a.queue.counter('rejected'), 0);
    for (const a of agents) await a.stop();
    await killHard(second);

    const store = await openStore(db);
    try {
      for (const [i, sim] of sims.entries()) {
        const stored = await store.fleet.listFindings({ hostId: `sim-${i}`, limit: 100_000 });
        const ids = stored.map((s) => s.finding.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.sort()).toEqual([...sim.sent()].sort());
      }
      expect(dropped).toBe(0);
    } finally {
      await store.close();
    }
  });
});
