import type { Host } from '../../src/model/host.js';
import type { Store } from '../../src/store/store.js';
import type { CpuSample, Inventory } from '../../src/store/types.js';

const STEP_MS = 5 * 60_000;

/**
 * A day of CPU samples for `host`, five minutes apart, as its agent would ship them: a quiet host (web server and
 * database at a few %) until `burnFrom`, then a miner taking three of its four cores.
 */
export async function seedCpuHistory(
  store: Store,
  host: Host,
  now: number,
  burnFrom: number,
): Promise<number> {
  const inventories: Inventory[] = [];
  // Up to two minutes ago: the seeded inventory (a minute ago, with listeners) stays the newest.
  for (let t = now - 86_400_000 + STEP_MS; t <= now - 120_000; t += STEP_MS) {
    const wobble = ((t / STEP_MS) % 7) - 3;
    const burning = t >= burnFrom;
    const cpu: CpuSample = {
      busyPercent: burning ? 78 + wobble : 6 + wobble,
      windowMs: 1000,
      cpus: 4,
      load: burning ? [3.1, 3, 2.9] : [0.3, 0.3, 0.2],
      top: [
        ...(burning
          ? [
              {
                pid: 31337,
                startTime: new Date(burnFrom).toISOString(),
                name: 'kdevtmpfsi',
                exe: '/dev/shm/.x/kdevtmpfsi',
                user: 'www-data',
                cpuPercent: 297,
              },
            ]
          : []),
        {
          pid: 812,
          startTime: new Date(now - 864e5 * 9).toISOString(),
          name: 'postgres',
          exe: '/usr/lib/postgresql/15/bin/postgres',
          user: 'postgres',
          cpuPercent: 12 + wobble,
        },
        {
          pid: 640,
          startTime: new Date(now - 864e5 * 9).toISOString(),
          name: 'nginx',
          exe: '/usr/sbin/nginx',
          user: 'www-data',
          cpuPercent: 5,
        },
      ],
    };
    inventories.push({
      id: `cpu-${host.id}-${t}`,
      time: new Date(t).toISOString(),
      processes: { total: 120, byUser: { root: 80 } },
      listeners: [],
      packages: [],
      cpu,
    });
  }
  for (let i = 0; i < inventories.length; i += 10)
    await store.fleet.ingest(
      {
        batchId: `cpu-seed-${host.id}-${i}`,
        host,
        findings: [],
        incidents: [],
        heartbeats: [],
        inventory: inventories.slice(i, i + 10),
      },
      null,
      new Date(now),
    );
  return inventories.length;
}
