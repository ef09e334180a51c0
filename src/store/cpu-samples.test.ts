import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batch } from '../../test/fleet/fixtures.js';
import { dropSchema, PG_URL, serviceUp, uniqueSchema } from '../../test/fleet/services.js';
import { openStore } from './open.js';
import type { Store } from './store.js';
import { type CpuSample, type Inventory, InventorySchema, RetentionSchema } from './types.js';

const pgUp = await serviceUp('postgres');
const requirePg = process.env.MINEWARDEN_REQUIRE_SERVICES === '1';
const dir = mkdtempSync(join(tmpdir(), 'mw-cpu-store-'));
const schema = uniqueSchema();

const backends = [
  {
    name: 'sqlite',
    open: () => openStore(`sqlite:${join(dir, 'db.sqlite')}`),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    skip: false,
  },
  {
    name: 'postgres',
    open: () => openStore(PG_URL, { schema }),
    cleanup: () => dropSchema(schema),
    skip: !pgUp && !requirePg,
  },
];

function sample(busy: number, extra: Partial<CpuSample> = {}): CpuSample {
  return {
    busyPercent: busy,
    windowMs: 1000,
    cpus: 2,
    load: [1.5, 1, 0.5],
    top: [
      {
        pid: 4242,
        startTime: '2025-01-01T00:00:00.000Z',
        name: 'xmrig',
        exe: '/tmp/.x/xmrig',
        user: 'www-data',
        cpuPercent: 190.5,
        container: 'abc123',
      },
      { pid: 1, startTime: '2025-01-01T00:00:00.000Z', name: 'systemd', cpuPercent: 0.2 },
    ],
    ...extra,
  };
}

function inventory(id: string, time: string, cpu?: CpuSample): Inventory {
  return {
    id,
    time,
    processes: { total: 3, byUser: { root: 3 } },
    listeners: [],
    packages: [],
    ...(cpu ? { cpu } : {}),
  };
}

describe.each(backends)('CPU samples on $name', (b) => {
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

  t('stores the sample an inventory carries, once, and lists a window oldest first', async () => {
    const at = (m: number) => new Date(Date.UTC(2025, 0, 1, 0, m)).toISOString();
    await store.fleet.ingest(
      batch('c1', 'b1', [], {
        inventory: [inventory('i1', at(1), sample(97.5)), inventory('i0', at(0), sample(12.25))],
      }),
      null,
      new Date(),
    );
    // Redelivered, and an inventory from an older agent without a sample.
    await store.fleet.ingest(
      batch('c1', 'b1', [], { inventory: [inventory('i1', at(1), sample(97.5))] }),
      null,
      new Date(),
    );
    await store.fleet.ingest(
      batch('c1', 'b2', [], { inventory: [inventory('i2', at(2))] }),
      null,
      new Date(),
    );
    await store.fleet.ingest(
      batch('c2', 'b3', [], { inventory: [inventory('i3', at(1), sample(50))] }),
      null,
      new Date(),
    );

    const all = await store.fleet.cpuSamples('c1', Date.parse(at(0)), Date.parse(at(10)), 100);
    expect(all).toEqual([
      { ...sample(12.25), id: 'i0', hostId: 'c1', time: at(0) },
      { ...sample(97.5), id: 'i1', hostId: 'c1', time: at(1) },
    ]);
    // The window's end is exclusive, its start inclusive; the limit keeps the newest.
    expect(
      (await store.fleet.cpuSamples('c1', Date.parse(at(0)), Date.parse(at(1)), 100)).map((s) => s.id),
    ).toEqual(['i0']);
    expect(
      (await store.fleet.cpuSamples('c1', Date.parse(at(0)), Date.parse(at(10)), 1)).map((s) => s.id),
    ).toEqual(['i1']);
    // The inventory keeps everything else, not a second copy of the sample.
    const inv = await store.fleet.latestInventory('c1');
    expect(inv?.id).toBe('i2');
    expect(
      (await store.fleet.cpuSamples('c2', 0, Date.parse(at(10)), 100)).map((s) => s.busyPercent),
    ).toEqual([50]);
  });

  t('the stored inventory row holds no copy of the sample', async () => {
    const time = '2025-01-02T00:00:00.000Z';
    await store.fleet.ingest(
      batch('c3', 'b4', [], { inventory: [inventory('i4', time, sample(5))] }),
      null,
      new Date(),
    );
    expect(await store.fleet.latestInventory('c3')).toEqual(inventory('i4', time));
  });

  t('retention removes samples older than cpuSamplesDays (14 by default)', async () => {
    const now = new Date('2025-03-01T00:00:00.000Z');
    const day = 86_400_000;
    const ago = (d: number) => new Date(now.getTime() - d * day).toISOString();
    await store.fleet.ingest(
      batch('c4', 'b5', [], {
        inventory: [
          inventory('r20', ago(20), sample(1)),
          inventory('r10', ago(10), sample(2)),
          inventory('r1', ago(1), sample(3)),
        ],
      }),
      null,
      new Date(),
    );
    const ids = async () => (await store.fleet.cpuSamples('c4', 0, now.getTime(), 100)).map((s) => s.id);
    const keepAll = {
      findingsDays: 0,
      incidentsDays: 0,
      heartbeatsDays: 0,
      inventoryDays: 0,
      actionsDays: 0,
    };
    const r1 = await store.applyRetention(RetentionSchema.parse(keepAll), now);
    // Older samples of the other tests' hosts go too.
    expect(r1.cpuSamples).toBeGreaterThanOrEqual(1);
    expect(await ids()).toEqual(['r10', 'r1']);
    const r2 = await store.applyRetention(RetentionSchema.parse({ ...keepAll, cpuSamplesDays: 5 }), now);
    expect(r2.cpuSamples).toBe(1);
    expect(await ids()).toEqual(['r1']);
    const r3 = await store.applyRetention(RetentionSchema.parse({ ...keepAll, cpuSamplesDays: 0 }), now);
    expect(r3.cpuSamples).toBe(0);
    expect(await ids()).toEqual(['r1']);
  });
});

describe('the sample schema', () => {
  it('is optional in an inventory and bounded', () => {
    const base = inventory('x', '2025-01-01T00:00:00.000Z');
    expect(InventorySchema.parse(base)).toEqual(base);
    const big = sample(10, { top: Array.from({ length: 11 }, () => sample(1).top[1]!) });
    expect(InventorySchema.safeParse({ ...base, cpu: big }).success).toBe(false);
    expect(InventorySchema.safeParse({ ...base, cpu: sample(100.5) }).success).toBe(false);
    expect(InventorySchema.parse({ ...base, cpu: sample(100) }).cpu?.busyPercent).toBe(100);
  });
});
