import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batch, finding } from '../../test/fleet/fixtures.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { type BuiltServer, buildServer } from './app.js';
import { ensureFirstAdmin } from './bootstrap.js';
import type { ZodApp } from './context.js';

type Method = 'GET' | 'POST' | 'DELETE';
const logLines: string[] = [];
const secrets: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'mw-server-'));
let store: Store;
let built: BuiltServer;
let app: ZodApp;
const cred: Record<
  'admin' | 'analyst' | 'viewer' | 'agent' | 'revokedAgent' | 'revokedToken' | 'session',
  string
> = {
  admin: '',
  analyst: '',
  viewer: '',
  agent: '',
  revokedAgent: '',
  revokedToken: '',
  session: '',
};

function keep<T extends string>(s: T): T {
  secrets.push(s);
  return s;
}

async function call(method: Method, url: string, auth?: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (auth) headers.authorization = `Bearer ${auth}`;
  return app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: body as object }) });
}

async function enroll(hostId: string): Promise<{ agentId: string; credential: string }> {
  const et = await call('POST', '/api/enrollment-tokens', cred.admin, { maxUses: 1 });
  expect(et.statusCode).toBe(201);
  const token = keep(et.json().token as string);
  const r = await call('POST', '/api/agents/enroll', undefined, {
    token,
    host: { id: hostId, name: hostId },
  });
  expect(r.statusCode).toBe(201);
  const out = r.json() as { agentId: string; credential: string };
  keep(out.credential);
  // An enrollment token with maxUses 1 is spent.
  const again = await call('POST', '/api/agents/enroll', undefined, {
    token,
    host: { id: hostId, name: hostId },
  });
  expect(again.statusCode).toBe(401);
  return out;
}

beforeAll(async () => {
  store = await openStore(`sqlite:${join(dir, 'db.sqlite')}`);
  const logStream = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  });
  built = await buildServer({ store, logStream, logLevel: 'debug' });
  app = built.app;
  const first = await ensureFirstAdmin(store);
  expect(first?.name).toBe('admin');
  expect(await ensureFirstAdmin(store)).toBeNull();
  keep(first!.password);
  const login = await app.inject({
    method: 'POST',
    url: '/api/login',
    payload: { username: 'admin', password: first!.password },
  });
  expect(login.statusCode).toBe(200);
  const cookie = login.cookies.find((c) => c.name === 'mw_session');
  expect(cookie?.httpOnly).toBe(true);
  cred.session = keep(cookie!.value);
  const adminTok = await app.inject({
    method: 'POST',
    url: '/api/tokens',
    cookies: { mw_session: cred.session },
    payload: { name: 'admin-cli' },
  });
  expect(adminTok.statusCode).toBe(201);
  cred.admin = keep(adminTok.json().token);
  for (const role of ['analyst', 'viewer'] as const) {
    const pw = keep(`pw-${role}-long-enough`);
    expect(
      (await call('POST', '/api/users', cred.admin, { name: role, role, password: pw })).statusCode,
    ).toBe(201);
    const l = await app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { username: role, password: pw },
    });
    const t = await app.inject({
      method: 'POST',
      url: '/api/tokens',
      cookies: { mw_session: l.cookies[0]!.value },
      payload: { name: role },
    });
    cred[role] = keep(t.json().token);
  }
  const rt = await call('POST', '/api/tokens', cred.admin, { name: 'soon-revoked' });
  cred.revokedToken = keep(rt.json().token);
  expect((await call('DELETE', `/api/tokens/${rt.json().id}`, cred.admin)).statusCode).toBe(204);
  cred.agent = (await enroll('h1')).credential;
  expect(
    (await call('POST', '/api/ingest', cred.agent, batch('h1', 'first', [finding('h1', 0)]))).statusCode,
  ).toBe(200);
  const b = await enroll('h2');
  cred.revokedAgent = b.credential;
  expect((await call('DELETE', `/api/agents/${b.agentId}`, cred.admin)).statusCode).toBe(204);
});

afterAll(async () => {
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

type Who = 'viewer' | 'analyst' | 'admin' | 'agent';
const ROUTES: { method: Method; url: string; who: Who; body?: unknown; ok: number }[] = [
  { method: 'GET', url: '/api/hosts', who: 'viewer', ok: 200 },
  { method: 'GET', url: '/api/hosts/h1', who: 'viewer', ok: 200 },
  { method: 'GET', url: '/api/me', who: 'viewer', ok: 200 },
  { method: 'GET', url: '/api/tokens', who: 'viewer', ok: 200 },
  { method: 'POST', url: '/api/tokens', who: 'viewer', body: { name: 'x' }, ok: 201 },
  { method: 'DELETE', url: '/api/tokens/t-none', who: 'viewer', ok: 404 },
  { method: 'POST', url: '/api/logout', who: 'viewer', ok: 204 },
  { method: 'GET', url: '/api/agents', who: 'analyst', ok: 200 },
  { method: 'GET', url: '/api/fleet/incidents', who: 'viewer', ok: 200 },
  { method: 'GET', url: '/api/fleet/bans', who: 'viewer', ok: 200 },
  { method: 'GET', url: '/api/agent/fleet-bans', who: 'agent', ok: 200 },
  { method: 'GET', url: '/api/users', who: 'admin', ok: 200 },
  {
    method: 'POST',
    url: '/api/users',
    who: 'admin',
    body: { name: 'new1', role: 'viewer', password: 'a-long-password' },
    ok: 201,
  },
  { method: 'POST', url: '/api/enrollment-tokens', who: 'admin', body: {}, ok: 201 },
  { method: 'GET', url: '/api/enrollment-tokens', who: 'admin', ok: 200 },
  { method: 'DELETE', url: '/api/enrollment-tokens/e-none', who: 'admin', ok: 404 },
  { method: 'DELETE', url: '/api/agents/a-none', who: 'admin', ok: 404 },
  {
    method: 'POST',
    url: '/api/ingest',
    who: 'agent',
    body: batch('h1', 'matrix', [finding('h1', 99)]),
    ok: 200,
  },
];
const weaker: Record<Who, string[]> = {
  viewer: ['agent'],
  analyst: ['viewer', 'agent'],
  admin: ['viewer', 'analyst', 'agent'],
  agent: ['viewer', 'analyst', 'admin'],
};

describe('every guarded route', () => {
  it.each(ROUTES)(
    '$method $url: 401 without, malformed, revoked credentials; 403 for the wrong role',
    async (r) => {
      const bad = ['', 'Basic abc', 'Bearer', 'Bearer mwt_short', `Bearer ${'x'.repeat(5000)}`];
      expect((await call(r.method, r.url, undefined, r.body)).statusCode).toBe(401);
      for (const h of bad) {
        const res = await app.inject({
          method: r.method,
          url: r.url,
          headers: { authorization: h },
          ...(r.body ? { payload: r.body as object } : {}),
        });
        expect(res.statusCode, h.slice(0, 20)).toBe(401);
      }
      expect((await call(r.method, r.url, cred.revokedAgent, r.body)).statusCode).toBe(401);
      expect((await call(r.method, r.url, cred.revokedToken, r.body)).statusCode).toBe(401);
      for (const w of weaker[r.who])
        expect((await call(r.method, r.url, cred[w as Who], r.body)).statusCode, w).toBe(403);
      const who = r.url === '/api/logout' ? undefined : cred[r.who];
      const res =
        who === undefined
          ? await app.inject({ method: r.method, url: r.url, cookies: { mw_session: await freshSession() } })
          : await call(r.method, r.url, who, r.body);
      expect(res.statusCode, res.body).toBe(r.ok);
    },
  );
});

async function freshSession(): Promise<string> {
  const pw = 'pw-viewer-long-enough';
  const l = await app.inject({
    method: 'POST',
    url: '/api/login',
    payload: { username: 'viewer', password: pw },
  });
  return keep(l.cookies[0]!.value);
}

describe('ingest', () => {
  it('stores a batch once however often it is sent, and lists the host with its findings', async () => {
    const b = batch('h1', 'b1', [finding('h1', 1), finding('h1', 2)], {
      heartbeats: [{ id: 'hb1', time: new Date().toISOString(), intervalMs: 10_000 }],
    });
    for (let i = 0; i < 3; i++)
      expect((await call('POST', '/api/ingest', cred.agent, b)).statusCode).toBe(200);
    const hosts = (await call('GET', '/api/hosts', cred.viewer)).json().hosts as {
      id: string;
      status: string;
      findings: { id: string }[];
    }[];
    const h1 = hosts.find((h) => h.id === 'h1')!;
    expect(h1.status).toBe('alive');
    expect(h1.findings.map((f) => f.id)).toEqual(
      expect.arrayContaining([finding('h1', 1).id, finding('h1', 2).id]),
    );
    expect(h1.findings.filter((f) => f.id === finding('h1', 1).id)).toHaveLength(1);
  });

  it("lists each host with its last heartbeat's exec source (netlink, or polling and why)", async () => {
    const exec = { mode: 'poll' as const, reason: 'netlink: EPERM', dropped: 0, kernelOverruns: 0 };
    const b = batch('h1', 'b-exec', [], {
      heartbeats: [
        { id: 'hb-exec', time: new Date(Date.now() + 1000).toISOString(), intervalMs: 10_000, exec },
      ],
    });
    expect((await call('POST', '/api/ingest', cred.agent, b)).statusCode).toBe(200);
    const hosts = (await call('GET', '/api/hosts', cred.viewer)).json().hosts as {
      id: string;
      exec: unknown;
    }[];
    expect(hosts.find((h) => h.id === 'h1')?.exec).toEqual(exec);
    const bad = batch('h1', 'b-exec-bad', [], {
      heartbeats: [{ id: 'hb-bad', time: new Date().toISOString(), intervalMs: 10_000 }],
    });
    Object.assign(bad.heartbeats[0]!, { exec: { mode: 'kprobe' } });
    expect((await call('POST', '/api/ingest', cred.agent, bad)).statusCode).toBe(400);
  });

  it('rejects malformed, oversized, schema-violating and foreign-host payloads with 4xx and stores nothing', async () => {
    const before = await store.fleet.countFindings();
    const hostsBefore = (await store.fleet.listHosts()).length;
    const send = (payload: string, type = 'application/json') =>
      app.inject({
        method: 'POST',
        url: '/api/ingest',
        headers: { authorization: `Bearer ${cred.agent}`, 'content-type': type },
        payload,
      });
    const good = batch('h1', 'x', [finding('h1', 7)]);
    const cases: [string, string, number, string?][] = [
      ['not json', '{"batchId": "x", ', 400],
      ['wrong content type', JSON.stringify(good), 415, 'text/plain'],
      ['oversized', JSON.stringify({ ...good, pad: 'x'.repeat(17 * 1024 * 1024) }), 413],
      [
        'bad severity',
        JSON.stringify(batch('h1', 'x', [{ ...finding('h1', 7), severity: 'apocalyptic' as 'high' }])),
        400,
      ],
      ['missing host', JSON.stringify({ batchId: 'x', findings: [] }), 400],
      [
        'too many findings',
        JSON.stringify(
          batch(
            'h1',
            'x',
            Array.from({ length: 5001 }, (_, i) => finding('h1', i)),
          ),
        ),
        400,
      ],
      ['other host in batch', JSON.stringify(batch('h2', 'x', [finding('h2', 7)])), 403],
      [
        'other host in a finding',
        JSON.stringify(batch('h1', 'x', [finding('h1', 7), finding('h9', 7)])),
        403,
      ],
      [
        'prototype pollution',
        '{"batchId":"x","host":{"id":"h1","name":"h1"},"__proto__":{"admin":true},"findings":[{"__proto__":1}]}',
        400,
      ],
    ];
    for (const [name, payload, status, type] of cases) {
      const res = await send(payload, type);
      expect(res.statusCode, `${name}: ${res.body.slice(0, 200)}`).toBe(status);
      expect(res.json()).toHaveProperty('error');
    }
    expect(await store.fleet.countFindings()).toBe(before);
    expect((await store.fleet.listHosts()).length).toBe(hostsBefore);
  });

  it('names the offending field in a validation error', async () => {
    const res = await call(
      'POST',
      '/api/ingest',
      cred.agent,
      batch('h1', 'x', [{ ...finding('h1', 7), confidence: 7 }]),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/findings\.0\.confidence/);
  });

  it('refuses an agent revoked after it has been posting (its credential hash is remembered)', async () => {
    const a = await enroll('h3');
    for (const id of ['r1', 'r2'])
      expect((await call('POST', '/api/ingest', a.credential, batch('h3', id, []))).statusCode).toBe(200);
    expect((await call('DELETE', `/api/agents/${a.agentId}`, cred.admin)).statusCode).toBe(204);
    expect((await call('POST', '/api/ingest', a.credential, batch('h3', 'r3', []))).statusCode).toBe(401);
  });
});

describe('sessions and tokens', () => {
  it('refuses a wrong password without saying which part was wrong, and logout ends the session', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { username: 'admin', password: 'nope' },
    });
    const ghost = await app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { username: 'ghost', password: 'nope' },
    });
    expect(bad.statusCode).toBe(401);
    expect(ghost.body).toBe(bad.body);
    const sid = await freshSession();
    expect(
      (await app.inject({ method: 'GET', url: '/api/me', cookies: { mw_session: sid } })).statusCode,
    ).toBe(200);
    await app.inject({ method: 'POST', url: '/api/logout', cookies: { mw_session: sid } });
    expect(
      (await app.inject({ method: 'GET', url: '/api/me', cookies: { mw_session: sid } })).statusCode,
    ).toBe(401);
  });

  it('never lets a token outrank its user', async () => {
    const res = await call('POST', '/api/tokens', cred.viewer, { name: 'up', role: 'admin' });
    expect(res.statusCode).toBe(403);
  });

  it('an agent credential in a cookie is not a session', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/hosts', cookies: { mw_session: cred.agent } });
    expect(res.statusCode).toBe(401);
  });
});

describe('openapi and logs', () => {
  it('serves an OpenAPI document naming every route', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    for (const r of ROUTES)
      expect(Object.keys(doc.paths)).toContain(r.url.replace(/\/(h1|t-none|e-none|a-none)$/, '/{id}'));
  });

  it('logs one line per request: agent traffic that succeeds at debug, refusals and people at info', () => {
    const entries = logLines
      .flatMap((l) => l.split('\n'))
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string; level: number; route?: string; status?: number });
    const requests = entries.filter((e) => e.msg === 'request');
    expect(entries.some((e) => e.msg === 'incoming request' || e.msg === 'request completed')).toBe(false);
    const ingestOk = requests.filter(
      (e) => e.route === '/api/ingest' && e.status !== undefined && e.status < 400,
    );
    const refused = requests.filter((e) => e.status === 401 || e.status === 403);
    expect(ingestOk.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const e of ingestOk) expect(e.level).toBe(20);
    for (const e of refused) expect(e.level).toBe(30);
  });

  it('never writes a token, credential, password or session id to the log', () => {
    expect(logLines.length).toBeGreaterThan(50);
    const text = logLines.join('');
    expect(secrets.length).toBeGreaterThan(8);
    for (const s of secrets) expect(text.includes(s), `secret ${s.slice(0, 6)}... leaked`).toBe(false);
  });
});
