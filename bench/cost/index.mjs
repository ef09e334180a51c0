// Cost lens: time to read a full state file (28 days of 5-minute samples, process lists for the last 7) and turn it
// into a cost report and baseline findings. Prints one JSON line per measurement.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accountWindow } from '../../dist/cost/accounting.js';
import { pickBaseline, readHistory } from '../../dist/cost/history.js';
import { hourlyUsage } from '../../dist/cost/hourly.js';
import { resolvePrice } from '../../dist/cost/resolve-price.js';
import { runCost } from '../../dist/cost/run.js';
import { detectCostDeviation } from '../../dist/detect/detectors/cost-baseline.js';

const DAY = 86_400_000;
const STEP = 5 * 60_000;
const end = Date.UTC(2026, 10, 26);
const start = end - 28 * DAY;
const dir = mkdtempSync(join(tmpdir(), 'mw-bench-cost-'));
const file = join(dir, 'state.ndjson');

const lines = [];
let host = 0;
for (let t = start, i = 0; t <= end; t += STEP, i++) {
  host += 60 + (i % 7) * 10;
  const processes =
    t >= end - 7 * DAY
      ? Array.from({ length: 50 }, (_, k) => ({
          pid: 1000 + k,
          startTime: start,
          name: `proc-${k}`,
          exe: `/usr/bin/proc-${k}`,
          containerId: k % 5 === 0 ? 'a'.repeat(64) : null,
          cpuSeconds: i * (k + 1) * 0.37,
          childCpuSeconds: 0,
        }))
      : [];
  lines.push(
    JSON.stringify({
      v: 1,
      time: t,
      hostId: 'bench',
      hostName: 'bench',
      bootTime: start - DAY,
      cpus: 2,
      hostCpuSeconds: host,
      processes,
      containers: [
        {
          id: 'a'.repeat(64),
          runtime: 'docker',
          startTime: start,
          cpuSeconds: i * 3.1,
          source: 'cgroup2 cpu.stat',
        },
      ],
    }),
  );
}
writeFileSync(file, `${lines.join('\n')}\n`);

function time(fn) {
  const t0 = performance.now();
  const out = fn();
  return [out, performance.now() - t0];
}

const price = resolvePrice();
const runs = [];
for (let r = 0; r < 5; r++) {
  const [history, readMs] = time(() => readHistory(file, 'bench'));
  const now = history[history.length - 1];
  const [hours, hourlyMs] = time(() => hourlyUsage(history));
  const [findings, detectMs] = time(() =>
    detectCostDeviation({ hours, evaluateFrom: now.time - DAY, price, hostName: 'bench' }),
  );
  const [, accountMs] = time(() =>
    accountWindow(pickBaseline(history.slice(0, -1), now, now.time - DAY), now, price, now.time - DAY),
  );
  runs.push({ readMs, hourlyMs, detectMs, accountMs, findings: findings.length });
}
const med = (k) =>
  runs
    .map((x) => x[k])
    .sort((a, b) => a - b)[2]
    .toFixed(1);
console.log(
  JSON.stringify({
    bench: 'cost-state',
    samples: lines.length,
    stateMB: +(statSync(file).size / 1e6).toFixed(1),
    readMs: +med('readMs'),
    hourlyMs: +med('hourlyMs'),
    detectMs: +med('detectMs'),
    accountMs: +med('accountMs'),
  }),
);

const t0 = performance.now();
await runCost({
  root: '/',
  sinceMs: DAY,
  stateFile: join(dir, 'live.ndjson'),
  record: false,
  sampleMs: 0,
  metadata: null,
  top: 10,
});
console.log(
  JSON.stringify({
    bench: 'cost-live-run',
    wallMs: +(performance.now() - t0).toFixed(1),
    rssMB: +(process.memoryUsage().rss / 1e6).toFixed(1),
  }),
);
rmSync(dir, { recursive: true, force: true });
