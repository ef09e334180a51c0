import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batch, finding } from '../../test/fleet/fixtures.js';
import { dropSchema, PG_URL, serviceUp, uniqueSchema } from '../../test/fleet/services.js';
import { openStore, parseStoreUrl } from './open.js';
import type { Store } from './store.js';
import { RetentionSchema } from './types.js';

const pgUp = await serviceUp('postgres');

interface Backend {
  name: string;
  open: () => Promise<Store>;
  cleanup: () => Promise<void>;
  skip?: boolean;
}

const dir = mkdtempSync(join(tmpdir(), 'mw-store-'));
const schema = uniqueSchema();
const backends: Backend[] = [
  {
    name: 'sqlite',
    open: () => openStore(`sqlite:${join(dir, 'db.sqlite')}`),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  },
  {
    name: 'postgres',
    open: () => openStore(PG_URL, { schema }),
    cleanup: () => dropSchema(schema),
    skip: !pgUp,
  },
];

describe.each(backends)('store on $name', (b) => {
  let store: Store;
  beforeAll(async () => {
    if (b.skip) return;
    store = await b.open();
  });
  afterAll(async () => {
    if (b.skip) return;
    await store.close();
    await b.cleanup();
  });
  const t = b.skip ? it.skip : it;

  t('ingests a batch and lists the host with its findings', async () => {
    const r = await store.fleet.ingest(
      batch('h1', 'b1', [finding('h1', 1), finding('h1', 2)], {
        heartbeats: [{ id: 'a1:1', time: '2025-01-01T00:00:05.000Z', intervalMs: 10_000, rssBytes: 1 }],
        inventory: [
          {
            id: 'inv1',
            time: '2025-01-01T00:00:05.000Z',
            processes: { total: 3, byUser: { root: 3 } },
            listeners: [],
            packages: [],
          },
        ],
      }),
      null,
      new Date('2025-01-01T00:00:06.000Z'),
    );
    expect(r).toEqual({ findings: 2, incidents: 0, heartbeats: 1, inventory: 1 });
    const hosts = await store.fleet.listHosts();
    expect(hosts.map((h) => h.id)).toEqual(['h1']);
    expect(hosts[0]?.info).toMatchObject({ os: 'linux', cpus: 2 });
    expect(hosts[0]?.lastHeartbeat).toBe('2025-01-01T00:00:05.000Z');
    expect(hosts[0]?.heartbeatIntervalMs).toBe(10_000);
    const fs = await store.fleet.listFindings({ hostId: 'h1' });
    expect(fs.map((f) => f.finding.id).sort()).toEqual([finding('h1', 1).id, finding('h1', 2).id].sort());
    expect(fs[0]?.finding.severity).toBe('high');
    expect((await store.fleet.latestInventory('h1'))?.processes.total).toBe(3);
    expect((await store.fleet.recentHeartbeats('h1', 5)).map((h) => h.id)).toEqual(['a1:1']);
  });

  t('is idempotent: the same batch twice stores each finding once', async () => {
    const before = await store.fleet.countFindings();
    const b2 = batch('h2', 'b2', [finding('h2', 1), finding('h2', 1), finding('h2', 2)]);
    await store.fleet.ingest(b2, null, new Date());
    await store.fleet.ingest(b2, null, new Date());
    expect((await store.fleet.countFindings()) - before).toBe(2);
  });

  t('widens first/last seen and never rolls content back to an older copy', async () => {
    const f1 = finding('h3', 1, '2025-01-02T00:00:00.000Z');
    const newer = { ...finding('h3', 1, '2025-01-03T00:00:00.000Z'), title: 'newer' };
    const older = { ...finding('h3', 1, '2025-01-01T00:00:00.000Z'), title: 'older' };
    await store.fleet.ingest(batch('h3', 'x1', [f1]), null, new Date());
    await store.fleet.ingest(batch('h3', 'x2', [newer]), null, new Date());
    await store.fleet.ingest(batch('h3', 'x3', [older]), null, new Date());
    const [s] = await store.fleet.listFindings({ hostId: 'h3' });
    expect(s?.finding.title).toBe('newer');
    expect(s?.firstSeen).toBe('2025-01-01T00:00:00.000Z');
    expect(s?.lastSeen).toBe('2025-01-03T00:00:00.000Z');
  });

  t('rolls a failing batch back entirely', async () => {
    const before = await store.fleet.countFindings();
    const bad = batch('h4', 'bad', [finding('h4', 1)]);
    // A heartbeat time that is not a date makes the heartbeat insert fail after the findings were written.
    bad.heartbeats = [{ id: 'hb', time: 'not-a-date', intervalMs: 1 }];
    await expect(store.fleet.ingest(bad, null, new Date())).rejects.toThrow();
    expect(await store.fleet.countFindings()).toBe(before);
    expect(await store.fleet.getHost('h4')).toBeNull();
  });

  t('batches submitted together commit as sequential commits would, each with its own result', async () => {
    await store.auth.createAgent({
      id: 'g-a5',
      hostId: 'h5',
      name: 'h5',
      credentialHash: 'cred-g-a5',
      createdAt: new Date(),
    });
    await store.auth.createAgent({
      id: 'g-a6',
      hostId: 'h6',
      name: 'h6',
      credentialHash: 'cred-g-a6',
      createdAt: new Date(),
    });
    const mid = { ...finding('h5', 1, '2025-01-02T00:00:00.000Z'), title: 'mid' };
    const newer = { ...finding('h5', 1, '2025-01-03T00:00:00.000Z'), title: 'newer' };
    const older = { ...finding('h5', 1, '2025-01-01T00:00:00.000Z'), title: 'older' };
    const at = new Date('2025-02-01T00:00:00.000Z');
    const later = new Date('2025-02-01T00:00:01.000Z');
    // Submitted in one turn, so they share a transaction: one host row and one finding row are written once.
    const results = await Promise.all([
      store.fleet.ingest(batch('h5', 'g1', [mid, finding('h5', 2)]), 'g-a5', at),
      store.fleet.ingest(batch('h5', 'g2', [newer]), 'g-a5', later),
      store.fleet.ingest(batch('h6', 'g3', [finding('h6', 1)]), 'g-a6', at),
      store.fleet.ingest(batch('h5', 'g4', [older, older]), 'g-a5', at),
    ]);
    expect(results.map((r) => r.findings)).toEqual([2, 1, 1, 1]);
    const h5 = await store.fleet.listFindings({ hostId: 'h5' });
    expect(h5).toHaveLength(2);
    const f1 = h5.find((x) => x.finding.id === mid.id);
    expect(f1?.finding.title).toBe('newer');
    expect(f1?.firstSeen).toBe('2025-01-01T00:00:00.000Z');
    expect(f1?.lastSeen).toBe('2025-01-03T00:00:00.000Z');
    expect((await store.fleet.getHost('h5'))?.agentId).toBe('g-a5');
    expect((await store.fleet.getHost('h5'))?.lastSeen).toBe(later.toISOString());
    expect((await store.fleet.listFindings({ hostId: 'h6' })).map((x) => x.finding.id)).toEqual([
      finding('h6', 1).id,
    ]);
    expect((await store.auth.getAgent('g-a5'))?.lastSeen).toBe(later.toISOString());
    expect((await store.auth.getAgent('g-a6'))?.lastSeen).toBe(at.toISOString());
  });

  t('the latest heartbeat wins whatever order batches arrive in, together or apart', async () => {
    const hb = (id: string, time: string, intervalMs: number) => ({ id, time, intervalMs });
    await Promise.all([
      store.fleet.ingest(
        batch('h9', 'hb-1', [], { heartbeats: [hb('h9:2', '2025-01-01T00:00:20.000Z', 20_000)] }),
        null,
        new Date(),
      ),
      store.fleet.ingest(
        batch('h9', 'hb-2', [], { heartbeats: [hb('h9:1', '2025-01-01T00:00:10.000Z', 10_000)] }),
        null,
        new Date(),
      ),
    ]);
    await store.fleet.ingest(
      batch('h9', 'hb-3', [], { heartbeats: [hb('h9:0', '2025-01-01T00:00:05.000Z', 5_000)] }),
      null,
      new Date(),
    );
    const h = await store.fleet.getHost('h9');
    expect(h?.lastHeartbeat).toBe('2025-01-01T00:00:20.000Z');
    expect(h?.heartbeatIntervalMs).toBe(20_000);
    expect((await store.fleet.recentHeartbeats('h9', 5)).map((x) => x.id)).toEqual(['h9:2', 'h9:1', 'h9:0']);
    await store.fleet.ingest(batch('h9', 'hb-4', []), null, new Date());
    expect((await store.fleet.getHost('h9'))?.lastHeartbeat).toBe('2025-01-01T00:00:20.000Z');
  });

  t('a failing batch among batches submitted together fails alone', async () => {
    const before = await store.fleet.countFindings();
    const bad = batch('h7', 'bad-g', [finding('h7', 1)]);
    bad.heartbeats = [{ id: 'hb-g', time: 'not-a-date', intervalMs: 1 }];
    const settled = await Promise.allSettled([
      store.fleet.ingest(batch('h7', 'ok-1', [finding('h7', 2)]), null, new Date()),
      store.fleet.ingest(bad, null, new Date()),
      store.fleet.ingest(batch('h8', 'ok-2', [finding('h8', 1)]), null, new Date()),
    ]);
    expect(settled.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await store.fleet.countFindings()) - before).toBe(2);
    expect((await store.fleet.listFindings({ hostId: 'h7' })).map((x) => x.finding.id)).toEqual([
      finding('h7', 2).id,
    ]);
  });

  t('stores incidents by id', async () => {
    const inc = {
      id: 'i-1',
      host: { id: 'h1', name: 'h1' },
      severity: 'high' as const,
      title: 'Miner',
      firstSeen: '2025-01-01T00:00:00.000Z',
      lastSeen: '2025-01-01T00:01:00.000Z',
      stages: ['execution' as const],
      entryPoint: null,
      attribution: [],
      findings: [finding('h1', 1).id],
    };
    await store.fleet.ingest(batch('h1', 'inc', [], { incidents: [inc, inc] }), null, new Date());
    expect((await store.fleet.listIncidents('h1')).map((i) => i.id)).toEqual(['i-1']);
  });

  t('enrollment tokens count uses atomically and expire', async () => {
    const now = new Date('2025-01-01T00:00:00Z');
    await store.auth.createEnrollmentToken({
      id: 'et1',
      tokenHash: 'hash-et1',
      createdBy: 'u1',
      createdAt: now,
      expiresAt: new Date('2025-01-02T00:00:00Z'),
      maxUses: 2,
    });
    const uses = await Promise.all([1, 2, 3].map(() => store.auth.useEnrollmentToken('hash-et1', now)));
    expect(uses.filter((u) => u !== null)).toHaveLength(2);
    expect(await store.auth.useEnrollmentToken('unknown', now)).toBeNull();
    await store.auth.createEnrollmentToken({
      id: 'et2',
      tokenHash: 'hash-et2',
      createdBy: 'u1',
      createdAt: now,
      expiresAt: new Date('2025-01-02T00:00:00Z'),
      maxUses: 5,
    });
    expect(await store.auth.useEnrollmentToken('hash-et2', new Date('2025-01-03T00:00:00Z'))).toBeNull();
    expect(await store.auth.revokeEnrollmentToken('et2', now)).toBe(true);
    expect(await store.auth.useEnrollmentToken('hash-et2', now)).toBeNull();
  });

  t('agents are found by credential hash and can be revoked', async () => {
    await store.auth.createAgent({
      id: 'a1',
      hostId: 'h1',
      name: 'h1',
      credentialHash: 'cred-a1',
      createdAt: new Date(),
    });
    expect((await store.auth.findAgentByCredential('cred-a1'))?.revokedAt).toBeNull();
    expect(await store.auth.revokeAgent('a1', new Date())).toBe(true);
    expect(await store.auth.revokeAgent('a1', new Date())).toBe(false);
    expect((await store.auth.findAgentByCredential('cred-a1'))?.revokedAt).not.toBeNull();
    expect(await store.auth.findAgentByCredential('nope')).toBeNull();
  });

  t('users, API tokens and sessions', async () => {
    await store.auth.createUser({
      id: 'u1',
      name: 'alice',
      role: 'analyst',
      passwordHash: 'ph',
      createdAt: new Date(),
    });
    await expect(
      store.auth.createUser({
        id: 'u2',
        name: 'alice',
        role: 'viewer',
        passwordHash: 'x',
        createdAt: new Date(),
      }),
    ).rejects.toThrow();
    expect((await store.auth.findUserByName('alice'))?.role).toBe('analyst');
    expect(await store.auth.countUsers()).toBe(1);
    await store.auth.createApiToken({
      id: 't1',
      userId: 'u1',
      name: 'ci',
      role: 'viewer',
      tokenHash: 'th1',
      createdAt: new Date(),
      expiresAt: null,
    });
    expect((await store.auth.findApiToken('th1'))?.role).toBe('viewer');
    expect(await store.auth.revokeApiToken('t1', new Date())).toBe(true);
    expect((await store.auth.findApiToken('th1'))?.revokedAt).not.toBeNull();
    const now = new Date('2025-01-01T00:00:00Z');
    await store.auth.createSession('s1', 'u1', now, new Date('2025-01-01T01:00:00Z'));
    expect((await store.auth.findSession('s1', now))?.userId).toBe('u1');
    expect(await store.auth.findSession('s1', new Date('2025-01-01T02:00:00Z'))).toBeNull();
    await store.auth.deleteSession('s1');
    expect(await store.auth.findSession('s1', now)).toBeNull();
  });

  t('keeps an actions journal', async () => {
    const a = {
      id: 'act1',
      kind: 'kill',
      hostId: 'h1',
      target: 'pid:1234',
      status: 'planned',
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
      data: { simulate: true },
    };
    await store.actions.append(a);
    await store.actions.append(a);
    expect(
      await store.actions.updateStatus('act1', 'done', new Date('2025-01-01T00:00:01Z'), { pid: 1234 }),
    ).toBe(true);
    const list = await store.actions.list({ hostId: 'h1' });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      status: 'done',
      data: { pid: 1234 },
      updatedAt: '2025-01-01T00:00:01.000Z',
    });
  });

  t('retention deletes what is older than the policy and expired sessions', async () => {
    await store.fleet.ingest(
      batch('h5', 'old', [finding('h5', 1, '2020-01-01T00:00:00.000Z')]),
      null,
      new Date(),
    );
    await store.fleet.ingest(
      batch('h5', 'new', [finding('h5', 2, '2025-06-01T00:00:00.000Z')]),
      null,
      new Date(),
    );
    const policy = RetentionSchema.parse({ findingsDays: 30 });
    const r = await store.applyRetention(policy, new Date('2025-06-02T00:00:00Z'));
    expect(r.findings).toBeGreaterThanOrEqual(1);
    const left = await store.fleet.listFindings({ hostId: 'h5' });
    expect(left.map((f) => f.finding.id)).toEqual([finding('h5', 2).id]);
    expect(r.sessions).toBeGreaterThanOrEqual(0);
  });

  t('migrating again is a no-op', async () => {
    const again = await b.open();
    await again.close();
    expect((await store.fleet.listHosts()).length).toBeGreaterThan(0);
  });
});

describe('parseStoreUrl', () => {
  it('accepts sqlite:PATH, bare paths and postgres URLs and names --db on anything else', () => {
    expect(parseStoreUrl('sqlite:./data/x.db')).toEqual({ kind: 'sqlite', path: './data/x.db' });
    expect(parseStoreUrl('/var/lib/mw.db')).toEqual({ kind: 'sqlite', path: '/var/lib/mw.db' });
    expect(parseStoreUrl('postgres://h/db').kind).toBe('postgres');
    expect(() => parseStoreUrl('mysql://h/db')).toThrow(/--db/);
    expect(() => parseStoreUrl('sqlite:')).toThrow(/--db/);
  });
});
