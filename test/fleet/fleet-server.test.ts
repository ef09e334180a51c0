import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_DARK_RULE } from '../../src/correlate/fleet-dark.js';
import type { Finding } from '../../src/model/finding.js';
import { findingId } from '../../src/model/finding.js';
import { type BuiltServer, buildServer } from '../../src/server/app.js';
import { hashSecret, newSecret } from '../../src/server/auth/secrets.js';
import { parseServerConfig } from '../../src/server/config.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { bruteForceFinding } from '../helpers/fleet-harness.js';
import { batch } from './fixtures.js';
import { until } from './sim-agent.js';
import { httpReceiver } from './sink-receivers.js';

const dir = mkdtempSync(join(tmpdir(), 'mw-fleet-'));
let store: Store;
let built: BuiltServer;
let hook: Awaited<ReturnType<typeof httpReceiver>>;
const creds = new Map<string, string>();
let viewer = '';

async function agentFor(hostId: string): Promise<string> {
  const credential = newSecret('mwa');
  await store.auth.createAgent({
    id: `a-${hostId}`,
    hostId,
    name: hostId,
    credentialHash: hashSecret(credential),
    createdAt: new Date(),
  });
  creds.set(hostId, credential);
  return credential;
}

async function ingest(hostId: string, findings: Finding[], extra = {}) {
  const res = await built.app.inject({
    method: 'POST',
    url: '/api/ingest',
    headers: { authorization: `Bearer ${creds.get(hostId)}` },
    payload: batch(hostId, `b-${hostId}-${Math.random()}`, findings, extra),
  });
  expect(res.statusCode, res.body).toBe(200);
}

function poolFinding(hostId: string, pool: string, time: string): Finding {
  const entity = { kind: 'connection' as const, ip: '203.0.113.9', port: 3333, name: pool };
  return {
    id: findingId(hostId, 'net.pool-connection', entity),
    ruleId: 'net.pool-connection',
    title: 'Connection to a known mining pool',
    severity: 'critical',
    confidence: 0.95,
    category: 'impact',
    techniques: ['T1496'],
    host: { id: hostId, name: hostId },
    time,
    entity,
    evidence: { hostname: pool, matched: pool, matchKind: 'domain' },
  };
}

beforeAll(async () => {
  store = await openStore(`sqlite:${join(dir, 'db.sqlite')}`);
  hook = await httpReceiver('webhook', { secret: 'fleet-test-secret-0123' });
  const config = parseServerConfig({
    sinks: [{ ...hook.config, minSeverity: 'high', backoffMs: 20 }],
    fleet: { minHosts: 2, banMinHosts: 3, everyMs: 60_000 },
  });
  built = await buildServer({ store, config, version: '1.2.3' });
  for (const h of ['h1', 'h2', 'h3', 'h4']) await agentFor(h);
  const vt = newSecret('mwt');
  await store.auth.createUser({
    id: 'u1',
    name: 'v',
    role: 'viewer',
    passwordHash: 'x',
    createdAt: new Date(),
  });
  await store.auth.createApiToken({
    id: 't1',
    userId: 'u1',
    name: 'v',
    role: 'viewer',
    tokenHash: hashSecret(vt),
    createdAt: new Date(),
    expiresAt: null,
  });
  viewer = vt;
});

afterAll(async () => {
  await built.ctx.fleet.close();
  await built.app.close();
  await built.ctx.sinks.close(500);
  await store.close();
  await hook.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = async (url: string, auth = viewer) =>
  built.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${auth}` } });

describe('fleet correlation', () => {
  it('the same pool on two hosts is one fleet incident with a finding on each host; one host is not', async () => {
    const t = '2025-03-01T10:00:00.000Z';
    await ingest('h1', [poolFinding('h1', 'pool.supportxmr.com', t)]);
    await built.ctx.fleet.runOnce(Date.parse(t));
    expect(built.ctx.fleet.groups.filter((g) => g.kind === 'pool')).toHaveLength(0);
    await ingest('h2', [poolFinding('h2', 'POOL.supportxmr.com.', '2025-03-01T10:05:00+00:00')]);
    await built.ctx.fleet.runOnce(Date.parse(t));
    const res = (await get('/api/fleet/incidents')).json() as {
      incidents: { id: string; kind: string; indicator: string; hosts: { id: string }[] }[];
    };
    const pool = res.incidents.filter((i) => i.kind === 'pool');
    expect(pool).toHaveLength(1);
    expect(pool[0]?.indicator).toBe('pool.supportxmr.com');
    expect(pool[0]?.hosts.map((h) => h.id).sort()).toEqual(['h1', 'h2']);
    for (const h of ['h1', 'h2']) {
      const fs = await store.fleet.listFindings({ hostId: h, ruleId: 'fleet.shared-pool' });
      expect(fs).toHaveLength(1);
      expect(fs[0]?.finding.incidentId).toBe(pool[0]?.id);
      expect(fs[0]?.finding.evidence).toMatchObject({ hostCount: 2, hosts: ['h1', 'h2'] });
    }
    // Idempotent: another pass writes nothing new.
    const before = await store.fleet.countFindings();
    await built.ctx.fleet.runOnce(Date.parse(t));
    expect(await store.fleet.countFindings()).toBe(before);
  });

  it('an address brute-forcing three hosts goes on the ban list the agents poll; two hosts are not enough', async () => {
    const t = '2025-03-01T11:00:00.000Z';
    await ingest('h1', [bruteForceFinding('h1', '198.51.100.7', t, { attempts: 40 })]);
    await ingest('h2', [bruteForceFinding('h2', '198.51.100.7', t, { attempts: 40 })]);
    await built.ctx.fleet.runOnce(Date.parse(t));
    expect((await get('/api/fleet/bans')).json().bans).toEqual([]);
    await ingest('h3', [bruteForceFinding('h3', '198.51.100.7', t, { attempts: 40 })]);
    await built.ctx.fleet.runOnce(Date.parse(t) + 60_000);
    const bans = (await get('/api/agent/fleet-bans', creds.get('h4'))).json().bans as {
      ip: string;
      hosts: string[];
    }[];
    expect(bans).toEqual([expect.objectContaining({ ip: '198.51.100.7', hosts: ['h1', 'h2', 'h3'] })]);
    // The ban expires banTtlHours after the last finding.
    await built.ctx.fleet.runOnce(Date.parse(t) + 25 * 3_600_000);
    expect(built.ctx.fleet.bans).toEqual([]);
  });

  it('an agent silent for three heartbeat intervals gets an agent-dark finding on its host', async () => {
    const last = '2025-03-01T12:00:00.000Z';
    await ingest('h4', [], { heartbeats: [{ id: 'hb-h4', time: last, intervalMs: 10_000 }] });
    await built.ctx.fleet.runOnce(Date.parse(last) + 25_000);
    expect(await store.fleet.listFindings({ hostId: 'h4', ruleId: AGENT_DARK_RULE })).toHaveLength(0);
    await built.ctx.fleet.runOnce(Date.parse(last) + 31_000);
    const dark = await store.fleet.listFindings({ hostId: 'h4', ruleId: AGENT_DARK_RULE });
    expect(dark).toHaveLength(1);
    expect(dark[0]?.finding.time).toBe('2025-03-01T12:00:30.000Z');
    expect(built.ctx.fleet.darkHosts).toBeGreaterThanOrEqual(1);
  });
});

describe('sinks and metrics on the server', () => {
  it('forwards committed findings at or above the sink threshold, signed', async () => {
    await until(
      'webhook alerts',
      () => hook.requests.some((r) => r.body.includes('fleet.shared-pool')),
      5000,
    );
    const bodies = hook.requests.map((r) => JSON.parse(r.body) as { finding?: Finding });
    expect(bodies.every((b) => b.finding && ['high', 'critical'].includes(b.finding.severity))).toBe(true);
    expect(
      hook.requests.every((r) => /^sha256=[0-9a-f]{64}$/.test(String(r.headers['x-minewarden-signature']))),
    ).toBe(true);
  });

  it('serves Prometheus metrics: ingest counts, agent queues, sink and fleet state, process RSS', async () => {
    await ingest('h1', [], {
      heartbeats: [
        { id: 'hb-q', time: new Date().toISOString(), intervalMs: 10_000, queueDepth: 7, queueDropped: 3 },
      ],
    });
    const res = await built.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    const text = res.body;
    const value = (re: RegExp) => Number(re.exec(text)?.[1]);
    // Seven batches came from agents; the correlator's own writes count as local.
    expect(value(/^minewarden_ingest_batches_total\{via="http"\} (\d+)/m)).toBe(7);
    expect(value(/^minewarden_ingest_batches_total\{via="local"\} (\d+)/m)).toBeGreaterThanOrEqual(3);
    expect(value(/^minewarden_ingest_requests_total\{status="200"\} (\d+)/m)).toBe(7);
    expect(value(/^minewarden_fleet_agent_queue_depth (\d+)/m)).toBe(7);
    expect(value(/^minewarden_fleet_agent_queue_dropped (\d+)/m)).toBe(3);
    expect(text).toMatch(/^minewarden_sink_delivered_total\{sink="webhook-0",type="webhook"\} [1-9]/m);
    expect(text).toMatch(/^minewarden_sink_dropped_total\{sink="webhook-0",type="webhook"\} 0/m);
    expect(value(/^minewarden_fleet_incidents (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^minewarden_server_process_resident_memory_bytes (\d+)/m)).toBeGreaterThan(1e6);
  });
});

describe('metrics scrape token', () => {
  it('with metrics.token set, /metrics needs exactly that bearer token; with enabled: false it is gone', async () => {
    const token = 'scrape-token-0123456789abcdef';
    const s2 = await openStore(`sqlite:${join(dir, 'm.sqlite')}`);
    const a = await buildServer({ store: s2, config: parseServerConfig({ metrics: { token } }) });
    const b = await buildServer({ store: s2, config: parseServerConfig({ metrics: { enabled: false } }) });
    try {
      const scrape = (auth?: string) =>
        a.app.inject({ method: 'GET', url: '/metrics', headers: auth ? { authorization: auth } : {} });
      expect((await scrape()).statusCode).toBe(401);
      expect((await scrape(`Bearer ${token}x`)).statusCode).toBe(401);
      expect((await scrape(`Bearer ${token.slice(1)}`)).statusCode).toBe(401);
      expect((await scrape(`Bearer ${token}`)).statusCode).toBe(200);
      expect((await b.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    } finally {
      await a.app.close();
      await b.app.close();
      await s2.close();
    }
  });
});

describe('agent dark after a server outage', () => {
  it('a restarted server gives agents three intervals to report before calling them dark', async () => {
    const s2 = await openStore(`sqlite:${join(dir, 'dark.sqlite')}`);
    const b = await buildServer({ store: s2, config: parseServerConfig({ fleet: { everyMs: 600_000 } }) });
    try {
      // The last heartbeat is old because the server was down, not because the agent died.
      const old = new Date(Date.now() - 3_600_000).toISOString();
      await s2.fleet.ingest(
        batch('hd', 'old', [], { heartbeats: [{ id: 'hb', time: old, intervalMs: 1000 }] }),
        null,
        new Date(),
      );
      b.ctx.fleet.start();
      await b.ctx.fleet.kick();
      expect(await s2.fleet.listFindings({ hostId: 'hd', ruleId: AGENT_DARK_RULE })).toHaveLength(0);
      await new Promise((r) => setTimeout(r, 3100));
      await b.ctx.fleet.kick();
      expect(await s2.fleet.listFindings({ hostId: 'hd', ruleId: AGENT_DARK_RULE })).toHaveLength(1);
    } finally {
      await b.ctx.fleet.close();
      await b.app.close();
      await s2.close();
    }
  });
});
