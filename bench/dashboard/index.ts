// Fleet overview at scale: seeds N hosts and M findings into a fresh SQLite store (through ingest, as agents do),
// then times GET /api/ui/overview (store reads + aggregation + schema serialisation) in process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer } from '../../src/server/app.js';
import { hashPassword, newId } from '../../src/server/auth/secrets.js';
import { openStore } from '../../src/store/open.js';
import { seedFleet } from '../../test/ui/seed.js';

const SIZES: Array<[number, number]> = [
  [100, 1_000],
  [1_000, 10_000],
  [5_000, 50_000],
];
const RUNS = 10;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

for (const [hosts, findings] of SIZES) {
  const dir = mkdtempSync(join(tmpdir(), 'mw-bench-dash-'));
  const store = await openStore(`sqlite:${join(dir, 'db.sqlite')}`);
  const t0 = performance.now();
  await seedFleet(store, { hosts, findings, now: Date.now() });
  const seedMs = performance.now() - t0;
  const { app } = await buildServer({ store });
  await store.auth.createUser({
    id: newId('u'),
    name: 'bench',
    role: 'viewer',
    passwordHash: await hashPassword('bench-password'),
    createdAt: new Date(),
  });
  const login = await app.inject({
    method: 'POST',
    url: '/api/login',
    payload: { username: 'bench', password: 'bench-password' },
  });
  const cookies = { mw_session: login.cookies[0]!.value };
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS + 2; i++) {
    const s = performance.now();
    const r = await app.inject({ method: 'GET', url: '/api/ui/overview', cookies });
    const ms = performance.now() - s;
    if (r.statusCode !== 200) throw new Error(`overview answered ${r.statusCode}`);
    bytes = r.rawPayload.length;
    if (i >= 2) times.push(ms);
  }
  console.log(
    `${hosts} hosts, ${findings} findings: overview median ${pct(times, 50).toFixed(1)} ms, p95 ` +
      `${pct(times, 95).toFixed(1)} ms, ${(bytes / 1024).toFixed(0)} KiB (seeding ${(seedMs / 1000).toFixed(1)} s)`,
  );
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
