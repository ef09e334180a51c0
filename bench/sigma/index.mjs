#!/usr/bin/env node
// Sigma engine throughput: all loadable SigmaHQ Linux rules (and 10 / 100 of them) over 1,000,000 generated events
// that mix process_creation, network_connection, file_event, auditd and syslog. One core: a single thread, no workers.
// Run after `npm run build`: node bench/sigma/index.mjs [events] [passes]  (best of `passes`, default 3)
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompiledRuleset, loadRulePaths } from '../../dist/detect/sigma/index.js';
import { generatePool } from './events.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const rulesDir = resolve(here, '../../../shared/data/sigma/rules/linux');
const EVENTS = Number(process.argv[2] ?? 1_000_000);
const POOL = 50_000;
const PASSES = Number(process.argv[3] ?? 3);

const pool = generatePool(POOL);
const loaded = loadRulePaths([rulesDir]);
const all = loaded.rules;
console.log(
  `rules loaded: ${all.length} (failed ${loaded.failed.length}, unsupported ${loaded.unsupported.length})`,
);
console.log(
  `events: ${EVENTS.toLocaleString('en-US')} (cycling a pool of ${POOL.toLocaleString('en-US')} generated events)`,
);

/** One timed pass over EVENTS events. */
function pass(rs) {
  let matches = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < EVENTS; i++) matches += rs.match(pool[i % POOL]).length;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(c0);
  return { matches, secs, cpuSecs: (cpu.user + cpu.system) / 1e6 };
}

function measure(rules) {
  const rs = new CompiledRuleset(rules);
  for (let i = 0; i < 20_000; i++) rs.match(pool[i % POOL]); // warm-up and lazy bucket build
  // Best of PASSES: on a shared machine the other tenants only ever make a pass slower, never faster.
  // CPU time is the honest "one core" figure there; wall time is shown too.
  let best;
  for (let k = 0; k < PASSES; k++) {
    const p = pass(rs);
    if (!best || p.cpuSecs < best.cpuSecs) best = p;
  }
  return {
    rules: rules.length,
    eventsPerSec: EVENTS / best.cpuSecs,
    wallPerSec: EVENTS / best.secs,
    matches: best.matches,
    secs: best.secs,
    cpuSecs: best.cpuSecs,
  };
}

// Fixed subsets (every k-th rule) so the runs are comparable from one run to the next.
const subset = (n) => all.filter((_, i) => i % Math.max(1, Math.floor(all.length / n)) === 0).slice(0, n);
const rows = [measure(subset(10)), measure(subset(100)), measure(all)];
console.log('\n| rules | events/s (CPU time) | events/s (wall) | matches | CPU s | wall s |');
console.log('| ----: | ------------------: | --------------: | ------: | ----: | -----: |');
const fmt = (n) => Math.round(n).toLocaleString('en-US');
for (const r of rows)
  console.log(
    `| ${r.rules} | ${fmt(r.eventsPerSec)} | ${fmt(r.wallPerSec)} | ${fmt(r.matches)} | ${r.cpuSecs.toFixed(2)} | ${r.secs.toFixed(2)} |`,
  );
const ratio = rows[0].eventsPerSec / rows[2].eventsPerSec;
console.log(`\ncost ratio all/10 rules: ${ratio.toFixed(2)}x for ${(all.length / 10).toFixed(0)}x the rules`);
