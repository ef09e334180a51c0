import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedFleet } from '../../test/ui/seed.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import type { Role } from '../store/types.js';
import { buildServer } from './app.js';
import { hashPassword, newId } from './auth/secrets.js';
import type { ZodApp } from './context.js';
import { CONTENT_SECURITY_POLICY } from './ui-static.js';

const dir = mkdtempSync(join(tmpdir(), 'mw-dash-'));
let store: Store;
let app: ZodApp;
const cookie: Record<Role, string> = { viewer: '', analyst: '', admin: '' };
const now = Date.now();

type Method = 'GET' | 'POST' | 'DELETE';
function call(
  method: Method,
  url: string,
  role?: Role,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  return app.inject({
    method,
    url,
    headers,
    ...(role ? { cookies: { mw_session: cookie[role] } } : {}),
    ...(body === undefined ? {} : { payload: body as object }),
  });
}

beforeAll(async () => {
  process.env.MINEWARDEN_STATE_DIR = join(dir, 'state');
  store = await openStore(`sqlite:${join(dir, 'db.sqlite')}`);
  app = (await buildServer({ store })).app;
  for (const role of ['viewer', 'analyst', 'admin'] as const) {
    const password = `pw-${role}-long-enough`;
    await store.auth.createUser({
      id: newId('u'),
      name: role,
      role,
      passwordHash: await hashPassword(password),
      createdAt: new Date(),
    });
    const r = await app.inject({ method: 'POST', url: '/api/login', payload: { username: role, password } });
    cookie[role] = r.cookies.find((c) => c.name === 'mw_session')!.value;
  }
  await seedFleet(store, { hosts: 8, findings: 60, now, prefix: 'web' });
});

afterAll(async () => {
  await app.close();
  await store.close();
  delete process.env.MINEWARDEN_STATE_DIR;
  rmSync(dir, { recursive: true, force: true });
});

const READS = [
  '/api/ui/overview',
  '/api/ui/hosts/h-web-0000',
  '/api/ui/incidents',
  '/api/ui/incidents/inc-h-web-0000',
  '/api/ui/incidents/inc-h-web-0000/actions',
  '/api/ui/surface',
  '/api/ui/posture',
  '/api/ui/posture/export?format=sarif',
];
const WRITES: Array<[Method, string, unknown]> = [
  ['POST', '/api/ui/incidents/inc-h-web-0000/response', { apply: false }],
  ['POST', '/api/ui/response/runs/run-00000000/undo', undefined],
  [
    'POST',
    '/api/ui/posture/suppressions',
    { rule: 'x', resource: 'y', reason: 'because', expires: '2999-01-01' },
  ],
  ['DELETE', '/api/ui/posture/suppressions/sup-0000000000', undefined],
];

describe('dashboard routes: who may call them', () => {
  it('refuses every route without a credential or with a malformed one (401)', async () => {
    for (const url of READS) {
      expect((await call('GET', url)).statusCode, url).toBe(401);
      expect(
        (await call('GET', url, undefined, undefined, { authorization: 'Bearer nope' })).statusCode,
      ).toBe(401);
    }
    for (const [m, url, body] of WRITES)
      expect((await call(m, url, undefined, body)).statusCode, url).toBe(401);
  });

  it('lets a viewer read but not respond, suppress or undo (403)', async () => {
    for (const url of READS) expect((await call('GET', url, 'viewer')).statusCode, url).toBe(200);
    for (const [m, url, body] of WRITES)
      expect((await call(m, url, 'viewer', body)).statusCode, url).toBe(403);
  });

  it('lets an analyst act, and the server responds only on its own host (409 elsewhere)', async () => {
    const r = await call('POST', '/api/ui/incidents/inc-h-web-0000/response', 'analyst', { apply: true });
    expect(r.statusCode).toBe(409);
    expect(r.json().message).toMatch(/only on its own host/);
    expect((await call('POST', '/api/ui/response/runs/run-00000000/undo', 'analyst')).statusCode).toBe(404);
    expect(
      (await call('POST', '/api/ui/incidents/nope/response', 'analyst', { apply: false })).statusCode,
    ).toBe(404);
  });

  it('rejects hostile input with 400 and stores nothing', async () => {
    const bad: unknown[] = [
      { rule: 'x', resource: 'y', reason: 'ok reason', expires: '2000-01-01' },
      { rule: 'x', resource: 'y', reason: 'ok reason', expires: 'tomorrow' },
      { rule: 'x', resource: 'y', reason: '  ', expires: '2999-01-01' },
      {
        rule: 'x',
        resource: 'y',
        reason: 'ok reason',
        expires: '2999-01-01',
        __proto__: { admin: true },
        extra: 1,
      },
      { rule: 'x'.repeat(300), resource: 'y', reason: 'ok reason', expires: '2999-01-01' },
    ];
    for (const b of bad)
      expect((await call('POST', '/api/ui/posture/suppressions', 'analyst', b)).statusCode).toBe(400);
    expect((await call('POST', '/api/ui/incidents/x/response', 'analyst', { apply: 'yes' })).statusCode).toBe(
      400,
    );
    expect((await call('POST', '/api/ui/response/runs/..%2F..%2Fetc/undo', 'analyst')).statusCode).toBe(400);
    expect((await call('GET', '/api/ui/posture/export?format=xml', 'viewer')).statusCode).toBe(400);
    expect((await call('GET', '/api/ui/posture', 'viewer')).json().suppressions).toEqual([]);
  });
});

describe('dashboard routes: what they show', () => {
  it('summarises the fleet: statuses, incidents, money, pools, attackers, cost series', async () => {
    const o = (await call('GET', '/api/ui/overview', 'viewer')).json();
    expect(o.totals).toEqual({ hosts: 8, findings: 60, incidents: 2 });
    // Seeded kinds cycle mining, exposed, compromised, exposed, clean, dark, clean, exposed.
    expect(o.statusCounts).toEqual({ mining: 1, dark: 1, compromised: 1, exposed: 3, clean: 2 });
    expect(o.incidentsBySeverity.critical).toBe(1);
    expect(o.incidentsBySeverity.high).toBe(1);
    expect(o.money[0].currency).toBe('USD');
    expect(o.money[0].perHour).toBeGreaterThan(0);
    expect(o.money[0].perMonth).toBeCloseTo(o.money[0].perHour * 730, 4);
    expect(o.topPools.map((p: { key: string }) => p.key)).toEqual(['pool.supportxmr.com:3333']);
    expect(o.topAttackers.map((p: { key: string }) => p.key).sort()).toEqual([
      '203.0.113.10',
      '203.0.113.12',
    ]);
    expect(o.costSeries.points).toHaveLength(24);
    expect(o.hosts[0].status).toBe('mining');
  });

  it('shows an incident as a kill chain with evidence per step', async () => {
    const v = (await call('GET', '/api/ui/incidents/inc-h-web-0000', 'viewer')).json();
    const stages = v.timeline.map(
      (s: { stage: string; findings: unknown[] }) => `${s.stage}:${s.findings.length}`,
    );
    expect(stages).toEqual([
      'initial-access:0',
      'execution:0',
      'persistence:1',
      'defense-evasion:1',
      'impact:1',
    ]);
    expect(v.local).toBe(false);
    expect(v.incident.attribution[0].group).toBe('Kinsing');
    expect(v.recommendations.length).toBeGreaterThan(0);
    expect((await call('GET', '/api/ui/incidents/nope', 'viewer')).statusCode).toBe(404);
  });

  it('suppresses a posture check until a date, exports SARIF without it, and lifts it', async () => {
    const before = (await call('GET', '/api/ui/posture', 'viewer')).json();
    const redis = before.checks.find((c: { ruleId: string }) => c.ruleId === 'posture.host.redis-no-auth');
    expect(redis.open).toBe(redis.findings.length);
    const s = await call('POST', '/api/ui/posture/suppressions', 'analyst', {
      rule: 'posture.host.redis-no-auth',
      resource: 'redis-server',
      reason: 'private VLAN',
      expires: '2999-12-31',
    });
    expect(s.statusCode).toBe(201);
    expect(s.json().by).toBe('analyst');
    const after = (await call('GET', '/api/ui/posture', 'viewer')).json();
    expect(after.checks.find((c: { ruleId: string }) => c.ruleId === 'posture.host.redis-no-auth').open).toBe(
      0,
    );
    expect(after.score).toBeGreaterThan(before.score);
    const sarif = await call('GET', '/api/ui/posture/export?format=sarif', 'viewer');
    expect(sarif.headers['content-type']).toMatch(/sarif/);
    const ids = JSON.parse(sarif.body).runs[0].results.map((r: { ruleId: string }) => r.ruleId);
    expect(ids).not.toContain('posture.host.redis-no-auth');
    expect(ids).toContain('posture.host.ssh-password-auth');
    expect((await call('DELETE', `/api/ui/posture/suppressions/${s.json().id}`, 'analyst')).statusCode).toBe(
      204,
    );
    expect((await call('GET', '/api/ui/posture', 'viewer')).json().suppressions).toEqual([]);
  });

  it('serves the page under a same-origin content security policy, and unknown API paths stay JSON 404', async () => {
    const page = await call('GET', '/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(page.body).not.toMatch(/https?:\/\//);
    const missing = await call('GET', '/api/ui/nothing', 'viewer');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toBe('not_found');
  });
});
