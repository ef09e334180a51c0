import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Finding, findingId } from '../model/finding.js';
import type { Incident } from '../model/incident.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { buildServer } from './app.js';
import { hashPassword, newId } from './auth/secrets.js';
import type { ZodApp } from './context.js';

/**
 * The money API on SQLite, fed through the agents' own ingest route: fleet totals per host and currency over a
 * window, and an incident's cost recomputed from its stored findings. Every expected figure is worked out by hand.
 */
const dir = mkdtempSync(join(tmpdir(), 'mw-cost-api-'));
const H = 3_600_000;
const now = Date.now();
let store: Store;
let app: ZodApp;
let viewer = '';
let admin = '';

const iso = (ms: number) => new Date(ms).toISOString();

function miner(
  host: { id: string; name: string },
  ruleId: string,
  pid: number,
  cost: { currency: string; sinceStart: number; perHour: number; cpuSeconds: number },
  time: number,
  incidentId?: string,
): Finding {
  const entity = { kind: 'process' as const, pid, exe: `/dev/shm/m${pid}`, startTime: iso(now - 10 * H) };
  return {
    id: findingId(host.id, ruleId, entity),
    ruleId,
    title: ruleId,
    severity: 'critical',
    confidence: 0.9,
    category: 'impact',
    techniques: ['T1496'],
    host,
    time: iso(time),
    entity,
    evidence: {
      cost: {
        ...cost,
        // perMonth as enrich.ts gives it: perHour x 730, exact here.
        perMonth: Number((cost.perHour * 730).toFixed(6)),
        basis: 'test',
        childCpuSeconds: 0,
        cpuPercent: 100,
        perVcpuHour: 0.07,
        rate: 'sampled',
      },
    },
    ...(incidentId ? { incidentId } : {}),
  };
}

async function login(role: 'viewer' | 'admin'): Promise<string> {
  const password = `pw-${role}-long-enough`;
  await store.auth.createUser({
    id: newId('u'),
    name: role,
    role,
    passwordHash: await hashPassword(password),
    createdAt: new Date(),
  });
  const r = await app.inject({ method: 'POST', url: '/api/login', payload: { username: role, password } });
  return r.cookies.find((c) => c.name === 'mw_session')!.value;
}

async function enroll(hostId: string): Promise<string> {
  const et = await app.inject({
    method: 'POST',
    url: '/api/enrollment-tokens',
    cookies: { mw_session: admin },
    payload: { maxUses: 1 },
  });
  expect(et.statusCode).toBe(201);
  const r = await app.inject({
    method: 'POST',
    url: '/api/agents/enroll',
    payload: { token: et.json().token, host: { id: hostId, name: hostId } },
  });
  expect(r.statusCode).toBe(201);
  return r.json().credential as string;
}

async function ship(credential: string, batchId: string, findings: Finding[], incidents: Incident[] = []) {
  const host = findings[0]!.host;
  const r = await app.inject({
    method: 'POST',
    url: '/api/ingest',
    headers: { authorization: `Bearer ${credential}` },
    payload: { batchId, host, findings, incidents, heartbeats: [], inventory: [] },
  });
  expect(r.statusCode, r.body).toBe(200);
}

function get(url: string) {
  return app.inject({ method: 'GET', url, cookies: { mw_session: viewer } });
}

const h1 = { id: 'h-cost-1', name: 'cost-1' };
const h2 = { id: 'h-cost-2', name: 'cost-2' };
const INC = 'i-cost-test';

beforeAll(async () => {
  process.env.MINEWARDEN_STATE_DIR = join(dir, 'state');
  store = await openStore(`sqlite:${join(dir, 'db.sqlite')}`);
  app = (await buildServer({ store })).app;
  admin = await login('admin');
  viewer = await login('viewer');
  const a1 = await enroll(h1.id);
  const a2 = await enroll(h2.id);
  const early = { currency: 'USD', sinceStart: 0.5, perHour: 0.07, cpuSeconds: 25714.29 };
  const late = { currency: 'USD', sinceStart: 0.71, perHour: 0.07, cpuSeconds: 36514.29 };
  const stopped = { currency: 'USD', sinceStart: 0.000009, perHour: 0.000003, cpuSeconds: 0.4 };
  const eur = { currency: 'EUR', sinceStart: 0.2, perHour: 0.1, cpuSeconds: 7200 };
  // pid 100 mines from 3 h ago until 2 minutes ago (two rules, two sightings); pid 200 ran 5 h to 4 h ago.
  await ship(a1, 'b1', [
    miner(h1, 'miner.cmdline', 100, early, now - 3 * H, INC),
    miner(h1, 'net.pool-connection', 100, early, now - 3 * H, INC),
    miner(h1, 'miner.cmdline', 200, stopped, now - 5 * H, INC),
  ]);
  await ship(a1, 'b2', [miner(h1, 'miner.cmdline', 200, stopped, now - 4 * H, INC)]);
  const agentIncident: Incident = {
    id: INC,
    host: h1,
    severity: 'critical',
    title: 'Cryptomining on cost-1',
    firstSeen: iso(now - 5 * H),
    lastSeen: iso(now - 120_000),
    stages: ['impact'],
    entryPoint: null,
    attribution: [],
    findings: [],
    // What the agent's own scan priced: pid 100 alone, as that scan saw it.
    cost: {
      firstSeen: iso(now - 120_000),
      lastSeen: iso(now - 120_000),
      processes: 1,
      running: 1,
      cpuSeconds: 36514.29,
      money: [{ currency: 'USD', spent: 0.71, perHour: 0.07, perMonth: 51.1, processes: 1, running: 1 }],
    },
  };
  await ship(
    a1,
    'b3',
    [
      miner(h1, 'miner.cmdline', 100, late, now - 120_000, INC),
      miner(h1, 'net.pool-connection', 100, late, now - 120_000, INC),
    ],
    [agentIncident],
  );
  // h2 mines in EUR from 3 h ago until a minute ago.
  await ship(a2, 'c1', [miner(h2, 'miner.cmdline', 300, eur, now - 3 * H)]);
  await ship(a2, 'c2', [miner(h2, 'miner.cmdline', 300, eur, now - 60_000)]);
});

afterAll(async () => {
  await app.close();
  await store.close();
  delete process.env.MINEWARDEN_STATE_DIR;
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/cost', () => {
  it('gives fleet and per-host money for the last 2 hours, per hour now and per month, per currency', async () => {
    const r = await get('/api/cost?since=2h');
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    // USD: pid 100 runs through the whole window: 2 h x 0.07 = 0.14; pid 200 stopped before it. Per hour now 0.07,
    // per month 0.07 x 730 = 51.1. EUR: 2 h x 0.1 = 0.2; 0.1 an hour; 73 a month (largest projection first).
    const usd = { currency: 'USD', burned: 0.14, perHour: 0.07, perMonth: 51.1, processes: 1, running: 1 };
    const eur = { currency: 'EUR', burned: 0.2, perHour: 0.1, perMonth: 73, processes: 1, running: 1 };
    expect(body.fleet).toEqual([eur, usd]);
    expect(body.hosts).toEqual([
      { id: h2.id, name: h2.name, money: [eur] },
      { id: h1.id, name: h1.name, money: [usd] },
    ]);
    expect(Date.parse(body.window.to) - Date.parse(body.window.from)).toBe(2 * H);
  });

  it('takes an explicit window, where a stopped process still counts for the time it ran in it', async () => {
    const from = iso(now - 6 * H);
    const to = iso(now - 2.5 * H);
    const r = await get(`/api/cost?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    expect(r.statusCode, r.body).toBe(200);
    const usd = r.json().fleet.find((m: { currency: string }) => m.currency === 'USD');
    // pid 100: 3 h to 2.5 h ago = 0.5 h x 0.07 = 0.035; pid 200: 1 h x 0.000003 = 0.000003. Sum 0.035003.
    expect(usd).toEqual({
      currency: 'USD',
      burned: 0.035003,
      perHour: 0.07,
      perMonth: 51.1,
      processes: 2,
      running: 1,
    });
  });

  it('refuses a malformed window with 400 and an anonymous caller with 401', async () => {
    expect((await get('/api/cost?since=yesterday')).statusCode).toBe(400);
    expect((await get(`/api/cost?since=2h&from=${encodeURIComponent(iso(now))}`)).statusCode).toBe(400);
    expect(
      (
        await get(
          `/api/cost?from=${encodeURIComponent(iso(now - H))}&to=${encodeURIComponent(iso(now - 2 * H))}`,
        )
      ).statusCode,
    ).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/api/cost' })).statusCode).toBe(401);
  });
});

describe('incident cost over the API', () => {
  it('stores the cost the agent shipped and serves the incident priced from all its stored findings', async () => {
    const stored = (await store.fleet.listIncidents(h1.id)).find((i) => i.id === INC);
    expect(stored?.cost?.money[0]?.spent).toBe(0.71);
    const r = await get(`/api/ui/incidents/${INC}`);
    expect(r.statusCode, r.body).toBe(200);
    const cost = r.json().incident.cost;
    // pid 100 once, at its newest sighting (0.71, not 0.5 + 0.71 + 0.71), plus pid 200 (0.000009) = 0.710009; only
    // pid 100 still mines: 0.07 an hour, 51.1 a month. CPU: 36514.29 + 0.4 = 36514.69.
    expect(cost).toEqual({
      firstSeen: iso(now - 5 * H),
      lastSeen: iso(now - 120_000),
      startedAt: iso(now - 10 * H),
      processes: 2,
      running: 1,
      cpuSeconds: 36514.69,
      money: [{ currency: 'USD', spent: 0.710009, perHour: 0.07, perMonth: 51.1, processes: 2, running: 1 }],
    });
  });
});
