import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent.js';
import { loadAgentConfig } from '../../src/agent/config.js';
import { policyApplier } from '../../src/agent/fleet-ban-apply.js';
import { FLEET_BAN_RULE, FleetBanPoller, recordOnly } from '../../src/agent/fleet-bans.js';
import { agentRegistry, serveMetrics } from '../../src/agent/metrics.js';
import { HttpTransport } from '../../src/agent/transport.js';
import { parseServerConfig } from '../../src/server/config.js';
import type { RunningServer } from '../../src/server/run.js';
import { openStore } from '../../src/store/open.js';
import { addAgent, bruteForceFinding, ingestAs, sqliteServer } from '../helpers/fleet-harness.js';
import { simulatedScan, until } from './sim-agent.js';

const dir = mkdtempSync(join(tmpdir(), 'mw-bans-'));
let srv: RunningServer;
const creds = new Map<string, string>();
const ATTACKER = '198.51.100.23';

beforeAll(async () => {
  srv = await sqliteServer(dir, {
    config: parseServerConfig({ fleet: { banMinHosts: 2, everyMs: 60_000 } }),
  });
  for (const h of ['b1', 'b2', 'b3']) creds.set(h, await addAgent(srv, h));
  for (const h of ['b1', 'b2']) await ingestAs(srv, creds.get(h) ?? '', h, [bruteForceFinding(h, ATTACKER)]);
  await srv.ctx.fleet.kick();
  expect(srv.ctx.fleet.bans.map((b) => b.ip)).toEqual([ATTACKER]);
});

afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

function poller(stateDir: string, apply = recordOnly) {
  return new FleetBanPoller({
    server: srv.url,
    credential: () => creds.get('b3') ?? '',
    host: () => ({ id: 'b3', name: 'b3' }),
    stateDir,
    pollMs: 60_000,
    apply,
  });
}

describe('fleet ban list pushed to agents', () => {
  it('without a policy, the agent records the ban and applies nothing', async () => {
    const state = mkdtempSync(join(dir, 'rec-'));
    const p = poller(state);
    await p.pollOnce();
    expect(p.handled.get(ATTACKER)?.outcome).toBe('recorded');
    const file = JSON.parse(readFileSync(join(state, 'fleet-bans.json'), 'utf8')) as { ip: string }[];
    expect(file.map((b) => b.ip)).toEqual([ATTACKER]);
    // Polled again, the same ban is not handed over twice.
    let calls = 0;
    const counting = poller(state, async (fs) => {
      calls += fs.length;
      return recordOnly(fs);
    });
    await counting.pollOnce();
    await counting.pollOnce();
    expect(calls).toBe(1);
  });

  it('through src/respond: a simulate rule for fleet.ban-list journals the ban, a policy without one only records', async () => {
    const withRule = join(dir, 'policy-sim.yaml');
    writeFileSync(
      withRule,
      `version: 1\nrules:\n  - id: fleet-bans\n    match: { rules: [${FLEET_BAN_RULE}] }\n    actions: [ban]\n    mode: simulate\n`,
    );
    const state = mkdtempSync(join(dir, 'sim-'));
    const p = poller(state, policyApplier({ policyFile: withRule, stateDir: state, root: '/' }));
    await p.pollOnce();
    expect(p.handled.get(ATTACKER)?.outcome).toBe('simulated');
    const store = await openStore(`sqlite:${state}/minewarden.db`);
    const entries = (await store.actions.list({})).filter((e) => e.kind === 'ban');
    await store.close();
    expect(entries.map((e) => [e.target, e.status])).toEqual([[ATTACKER, 'simulated']]);

    const noRule = join(dir, 'policy-none.yaml');
    writeFileSync(
      noRule,
      'version: 1\nrules:\n  - id: kill-miners\n    match: { rules: [miner.*] }\n    actions: [kill]\n',
    );
    const state2 = mkdtempSync(join(dir, 'none-'));
    const p2 = poller(state2, policyApplier({ policyFile: noRule, stateDir: state2, root: '/' }));
    await p2.pollOnce();
    expect(p2.handled.get(ATTACKER)?.outcome).toBe('recorded');
  });

  it('refuses a hostile ban list (not an address) and keeps nothing from it', async () => {
    const state = mkdtempSync(join(dir, 'bad-'));
    const { createServer } = await import('node:http');
    const evil = createServer((_q, r) =>
      r.end(JSON.stringify({ bans: [{ ip: '1.2.3.4; rm -rf /' }], updatedAt: null })),
    );
    await new Promise<void>((res) => evil.listen(0, '127.0.0.1', () => res()));
    const port = (evil.address() as { port: number }).port;
    const p = new FleetBanPoller({
      server: `http://127.0.0.1:${port}`,
      credential: () => 'x',
      host: () => ({ id: 'b3', name: 'b3' }),
      stateDir: state,
      pollMs: 60_000,
      apply: async () => {
        throw new Error('must not be called');
      },
    });
    await p.pollOnce();
    evil.close();
    expect(p.failures).toBe(1);
    expect(p.handled.size).toBe(0);
  });
});

describe('agent /metrics', () => {
  it('reports its queue, shipping, CPU and RSS', async () => {
    const stateDir = mkdtempSync(join(dir, 'agent-'));
    const config = loadAgentConfig(undefined, { server: srv.url, stateDir, scanIntervalMs: 3_600_000 });
    const sim = simulatedScan('b3', 3);
    const agent = new Agent({
      config,
      transport: new HttpTransport(srv.url, () => creds.get('b3') ?? ''),
      scan: sim.scan,
    });
    const m = await serveMetrics('127.0.0.1:0', agentRegistry(agent));
    agent.attach({ stop: () => new Promise<void>((r) => m.close(() => r())) });
    agent.start();
    await until('sent', () => agent.shipper.sent >= 1);
    const port = (m.address() as { port: number }).port;
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    await agent.stop();
    expect(text).toMatch(/^minewarden_agent_batches_sent_total [1-9]/m);
    expect(text).toMatch(/^minewarden_agent_queue_depth 0$/m);
    expect(text).toMatch(/^minewarden_agent_process_resident_memory_bytes \d{7,}/m);
    expect(text).toMatch(/^minewarden_agent_process_cpu_seconds_total /m);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => null))?.status).toBeUndefined();
  });
});
