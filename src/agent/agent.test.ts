import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { drained, simulatedScan, until } from '../../test/fleet/sim-agent.js';
import { enrolledAgent, sqliteServer } from '../../test/helpers/fleet-harness.js';
import { MinewardenError } from '../model/errors.js';
import { loadAgentConfig } from './config.js';
import { DiskQueue } from './queue.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'mw-agent-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('DiskQueue', () => {
  it('keeps batches across reopen, drops the oldest past its bound and counts the drops', () => {
    const path = join(tmp(), 'q.db');
    const q = new DiskQueue(path, { maxBatches: 3, maxBytes: 1 << 20 });
    for (let i = 1; i <= 5; i++) q.push(`b${i}`, `{"n":${i}}`);
    expect(q.stats().depth).toBe(3);
    expect(q.counter('dropped')).toBe(2);
    q.close();
    const again = new DiskQueue(path, { maxBatches: 3, maxBytes: 1 << 20 });
    expect(again.peek()?.batchId).toBe('b3');
    again.ack(again.peek()!.seq);
    expect(again.peek()?.batchId).toBe('b4');
    again.reject(again.peek()!.seq);
    expect(again.counter('rejected')).toBe(1);
    expect(again.counter('dropped')).toBe(2);
    again.close();
  });

  it('bounds bytes too, but always keeps the newest batch', () => {
    const q = new DiskQueue(join(tmp(), 'q.db'), { maxBatches: 100, maxBytes: 10 });
    q.push('a', '123456');
    q.push('b', '123456');
    expect(q.stats().depth).toBe(1);
    expect(q.peek()?.batchId).toBe('b');
    q.push('c', 'x'.repeat(50));
    expect(q.peek()?.batchId).toBe('c');
    q.close();
  });
});

describe('agent config', () => {
  it('validates the YAML and names the file and field', () => {
    const d = tmp();
    const f = join(d, 'agent.yaml');
    writeFileSync(f, 'server: http://127.0.0.1:1\nscanIntervalMs: 5\n');
    expect(() => loadAgentConfig(f)).toThrow(/agent\.yaml.*scanIntervalMs/);
    writeFileSync(f, 'server: http://127.0.0.1:1\nbogus: 1\n');
    expect(() => loadAgentConfig(f)).toThrow(MinewardenError);
    writeFileSync(f, 'server: [\n');
    expect(() => loadAgentConfig(f)).toThrow(/agent\.yaml:\d/);
    writeFileSync(f, 'scanIntervalMs: 2000\n');
    expect(() => loadAgentConfig(f)).toThrow(/server/);
    writeFileSync(f, 'server: http://127.0.0.1:1\nqueue: { maxBatches: 5 }\n');
    const c = loadAgentConfig(f, { stateDir: d });
    expect(c.queue.maxBatches).toBe(5);
    expect(c.stateDir).toBe(d);
    expect(Object.isFrozen(c)).toBe(true);
  });
});

describe('agent delivery', () => {
  it('queues to disk while the server is down and drains after, storing every finding exactly once', async () => {
    const d = tmp();
    let srv = await sqliteServer(d);
    const url = srv.url;
    const port = Number(new URL(url).port);
    const sim = simulatedScan('h-down', 7);
    const { agent, cred } = await enrolledAgent(
      srv,
      'h-down',
      join(d, 'agent'),
      { scanIntervalMs: 3_600_000, heartbeatIntervalMs: 3_600_000, backoff: { initialMs: 50, maxMs: 200 } },
      { scan: sim.scan },
    );
    agent.start();
    await until('first batch', () => drained([agent]) && agent.shipper.sent >= 1);
    await srv.close();
    for (let i = 0; i < 5; i++) await agent.scanOnce();
    await until('retries while down', () => agent.shipper.retries >= 2);
    expect(agent.queue.stats().depth).toBe(5);
    srv = await sqliteServer(d, { port });
    await until('drain', () => drained([agent]));
    await agent.stop();
    const stored = await srv.store.fleet.listFindings({ hostId: 'h-down', limit: 10_000 });
    expect(stored.map((s) => s.finding.id).sort()).toEqual([...new Set(sim.sent())].sort());
    expect(sim.sent()).toHaveLength(42);
    const [h] = await srv.store.fleet.listHosts();
    expect(h?.agentId).toBe(cred.agentId);
    await srv.close();
  });

  it('keeps data when its credential is revoked instead of dropping it', async () => {
    const d = tmp();
    const srv = await sqliteServer(d, { file: 's.db' });
    const sim = simulatedScan('h-rev', 2);
    const { agent, cred } = await enrolledAgent(
      srv,
      'h-rev',
      join(d, 'a'),
      { scanIntervalMs: 3_600_000, backoff: { initialMs: 20, maxMs: 50 } },
      { scan: sim.scan },
    );
    await srv.store.auth.revokeAgent(cred.agentId, new Date());
    agent.start();
    await until('retries', () => agent.shipper.retries >= 2);
    expect(agent.queue.stats().depth).toBe(1);
    expect(await srv.store.fleet.countFindings()).toBe(0);
    await agent.stop();
    await srv.close();
  });
});
