import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, PG_URL, serviceUp, uniqueSchema } from '../../test/fleet/services.js';
import { openStore } from './open.js';
import type { ResponseRequestRecord } from './response-requests.js';
import type { Store } from './store.js';

const pgUp = await serviceUp('postgres');
const dir = mkdtempSync(join(tmpdir(), 'mw-rr-'));
const schema = uniqueSchema('mwrr');

const backends = [
  { name: 'sqlite', open: () => openStore(`sqlite:${join(dir, 'db.sqlite')}`), skip: false },
  { name: 'postgres', open: () => openStore(PG_URL, { schema }), skip: !pgUp },
];

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (pgUp) await dropSchema(schema);
});

function request(id: string, hostId: string, created: number, ttlMs: number): ResponseRequestRecord {
  return {
    id,
    hostId,
    incidentId: 'inc-1',
    op: 'apply',
    status: 'pending',
    requestedBy: 'ana',
    createdAt: new Date(created).toISOString(),
    updatedAt: new Date(created).toISOString(),
    expiresAt: new Date(created + ttlMs).toISOString(),
    takenAt: null,
    agentId: null,
    message: null,
    request: { confirm: false, findings: [] },
    result: null,
  };
}

describe.each(backends)('response requests on $name', (b) => {
  let store: Store;
  beforeAll(async () => {
    if (!b.skip) store = await b.open();
  });
  afterAll(async () => {
    if (!b.skip) await store.close();
  });
  const t = b.skip ? it.skip : it;

  t('pending -> taken once -> done, with the result kept; expiry fails what nobody took', async () => {
    const now = Date.now();
    await store.responses.create(request('rq-a', 'h1', now, 60_000));
    await store.responses.create(request('rq-b', 'h2', now, 60_000));
    await store.responses.create(request('rq-old', 'h1', now - 120_000, 60_000));
    expect((await store.responses.openIds(new Date(now))).map((r) => r.id).sort()).toEqual(['rq-a', 'rq-b']);
    expect((await store.responses.openForHost('h1', new Date(now))).map((r) => r.id)).toEqual(['rq-a']);

    // Only the request's own host takes it, and only once.
    expect(await store.responses.take('rq-a', 'h2', 'agent-2', new Date(now))).toBe(false);
    expect(await store.responses.take('rq-a', 'h1', 'agent-1', new Date(now + 1))).toBe(true);
    expect(await store.responses.take('rq-a', 'h1', 'agent-1', new Date(now + 2))).toBe(false);
    // An expired request cannot be taken.
    expect(await store.responses.take('rq-old', 'h1', 'agent-1', new Date(now))).toBe(false);
    const taken = await store.responses.get('rq-a');
    expect(taken).toMatchObject({ status: 'taken', agentId: 'agent-1', result: null });
    // Taken and unreported stays open for its host: a restarted agent finds it again.
    expect((await store.responses.openForHost('h1', new Date(now))).map((r) => r.status)).toEqual(['taken']);

    expect(await store.responses.finish('rq-a', 'h2', 'done', null, { runId: 'run-1' }, new Date(now))).toBe(
      false,
    );
    expect(await store.responses.finish('rq-a', 'h1', 'done', null, { runId: 'run-1' }, new Date(now))).toBe(
      true,
    );
    // A second report is refused: the first one stands.
    expect(await store.responses.finish('rq-a', 'h1', 'failed', 'x', { runId: 'run-2' }, new Date(now))).toBe(
      false,
    );
    expect(await store.responses.get('rq-a')).toMatchObject({ status: 'done', result: { runId: 'run-1' } });

    expect(await store.responses.expire(new Date(now), (s) => `expired while ${s}`)).toBe(1);
    expect(await store.responses.get('rq-old')).toMatchObject({
      status: 'failed',
      message: 'expired while pending',
    });
    expect(await store.responses.get('rq-b')).toMatchObject({ status: 'pending' });
    expect((await store.responses.listForIncident('inc-1', 10)).length).toBe(3);
  });

  t('a report after expiry is still stored (what happened on the host is kept)', async () => {
    const now = Date.now();
    await store.responses.create(request('rq-late', 'h1', now, 1000));
    expect(await store.responses.take('rq-late', 'h1', 'agent-1', new Date(now))).toBe(true);
    expect(await store.responses.expire(new Date(now + 5000), () => 'no report in time')).toBe(1);
    expect(
      await store.responses.finish('rq-late', 'h1', 'done', 'reported late', { runId: 'r' }, new Date()),
    ).toBe(true);
    expect(await store.responses.get('rq-late')).toMatchObject({ status: 'done', message: 'reported late' });
  });

  t('retention removes finished requests older than the journal keeps, never open ones', async () => {
    const old = Date.now() - 400 * 86_400_000;
    await store.responses.create({ ...request('rq-aged-done', 'h3', old, 1000), status: 'done' });
    await store.responses.create(request('rq-aged-open', 'h3', old, 500 * 86_400_000));
    const r = await store.applyRetention(
      { findingsDays: 0, incidentsDays: 0, heartbeatsDays: 0, inventoryDays: 0, actionsDays: 365 },
      new Date(),
    );
    expect(r.responseRequests).toBeGreaterThanOrEqual(1);
    expect(await store.responses.get('rq-aged-done')).toBeNull();
    expect(await store.responses.get('rq-aged-open')).toMatchObject({ status: 'pending' });
  });

  t('journal upsert: inserts, updates the same host only, never rolls back', async () => {
    const base = {
      id: 'act-upsert1',
      kind: 'kill',
      hostId: 'h1',
      target: 'pid 1',
      createdAt: '2025-01-01T00:00:00.000Z',
      data: { runId: 'run-x' },
    };
    await store.actions.upsert({ ...base, status: 'planned', updatedAt: '2025-01-01T00:00:00.000Z' });
    await store.actions.upsert({ ...base, status: 'applied', updatedAt: '2025-01-01T00:00:02.000Z' });
    await store.actions.upsert({ ...base, status: 'planned', updatedAt: '2025-01-01T00:00:01.000Z' });
    await store.actions.upsert({
      ...base,
      hostId: 'h2',
      status: 'undone',
      updatedAt: '2025-01-01T00:00:09.000Z',
    });
    const rows = (await store.actions.list({ limit: 100 })).filter((a) => a.id === 'act-upsert1');
    expect(rows.map((r) => [r.hostId, r.status])).toEqual([['h1', 'applied']]);
  });
});
