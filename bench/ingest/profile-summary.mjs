// Summarises a V8 .cpuprofile (node --cpu-prof) of a long-running process over a window: self and inclusive time
// per function as % of one core, skipping the first MW_PROF_SKIP_S seconds (warm-up). Used to measure the agent.
// Usage: node bench/ingest/profile-summary.mjs FILE.cpuprofile [skipSeconds] [top]
import { readFileSync } from 'node:fs';

const [file, skipArg, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.mjs FILE.cpuprofile [skipSeconds] [top]');
const skipUs = Number(skipArg ?? 20) * 1e6;
const top = Number(topArg ?? 40);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const short = (url) => url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/').replace(/^node:/, '');
const label = (n) =>
  `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
const self = new Map();
const incl = new Map();
let t = p.startTime;
let windowUs = 0;
const start = p.startTime + skipUs;
for (let i = 0; i < p.samples.length; i++) {
  const dt = p.timeDeltas[i] ?? 0;
  t += dt;
  if (t < start) continue;
  windowUs += dt;
  const node = byId.get(p.samples[i]);
  if (!node) continue;
  const name = node.callFrame.functionName;
  if (name === '(idle)') continue;
  self.set(label(node), (self.get(label(node)) ?? 0) + dt);
  const seen = new Set();
  for (let id = node.id; id !== undefined; id = parent.get(id)) {
    const l = label(byId.get(id));
    if (seen.has(l)) continue;
    seen.add(l);
    incl.set(l, (incl.get(l) ?? 0) + dt);
  }
}
const pct = (us) => ((us / windowUs) * 100).toFixed(3);
const busy = [...self.values()].reduce((a, b) => a + b, 0);
console.log(
  `window ${(windowUs / 1e6).toFixed(1)} s, main thread busy ${pct(busy)}% of one core (profiler on)`,
);
const show = (title, m) => {
  console.log(title);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`  ${pct(v).padStart(7)}%  ${k}`);
};
show('self', self);
show('inclusive', incl);
