#!/usr/bin/env node
// bench/intel: pool-domain lookups over a 100,000-domain list, 10M lookups per run. Target: >= 5M lookups/s.
// Also times two simpler designs on the same data (a Map probed with sliced, lower-cased suffixes, and a label
// trie) so the choice of the suffix hash table stays backed by numbers.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPoolList } from '../../dist/intel/pools/index.js';

const N_DOMAINS = 100_000;
const N_LOOKUPS = 10_000_000;
const TLDS = ['com', 'net', 'org', 'io', 'xyz', 'cc', 'ru', 'de', 'stream', 'pro', 'co.uk', 'com.br'];

// Deterministic pseudo-random generator: every run benchmarks the same data.
let seed = 0x9e3779b9;
const rnd = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};
const label = (min, max) => {
  const n = min + Math.floor(rnd() * (max - min + 1));
  let s = '';
  for (let i = 0; i < n; i++) s += 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(rnd() * 36)];
  return s;
};

const domains = new Set();
while (domains.size < N_DOMAINS) {
  const base = `${label(4, 12)}.${TLDS[Math.floor(rnd() * TLDS.length)]}`;
  domains.add(rnd() < 0.3 ? `${label(2, 6)}.${base}` : base);
}
const list = [...domains];
const dir = mkdtempSync(join(tmpdir(), 'mw-bench-intel-'));
const file = join(dir, 'pools.txt');
writeFileSync(file, `${list.join('\n')}\n`);

// Queries: names as a resolver log, DNS capture or SNI stream delivers them: mostly names of no pool (HIT_SHARE
// hits, 10% by default: even on a mining host most lookups are for other names), hits mostly subdomains of listed
// entries, misses of the same shape, every tenth in upper case. The working set (DISTINCT) is the number of
// distinct names cycled through: a resolver or a capture sees hundreds to tens of thousands; past the caches the
// table is memory-bound, so it sets the number more than anything else.
const queries = [];
const DISTINCT = Number(process.argv[3] ?? 20_000);
const HIT_SHARE = Number(process.argv[4] ?? 0.1);
for (let i = 0; i < DISTINCT; i++) {
  const hit = rnd() < HIT_SHARE;
  const base = hit
    ? list[Math.floor(rnd() * list.length)]
    : `${label(4, 12)}.${TLDS[Math.floor(rnd() * TLDS.length)]}`;
  const q = rnd() < 0.7 ? `${label(2, 8)}.${base}` : base;
  queries.push(i % 10 === 0 ? q.toUpperCase() : q);
}

// Queries built by concatenation are rope strings; names from a parser or the network are flat. Flatten them once
// so no design pays (or saves) for that.
queries.splice(0, queries.length, ...JSON.parse(JSON.stringify(queries)));

function time(name, lookup) {
  let hits = 0;
  for (let i = 0; i < 200_000; i++) if (lookup(queries[i % queries.length]) != null) hits++;
  hits = 0;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  for (let i = 0; i < N_LOOKUPS; i++) if (lookup(queries[i % queries.length]) != null) hits++;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  // CPU time is reported beside wall time: on a shared machine wall time also counts the other tenants.
  return {
    name,
    lookupsPerSec: N_LOOKUPS / s,
    lookupsPerCpuSec: N_LOOKUPS / cpu,
    seconds: s,
    hitRate: hits / N_LOOKUPS,
  };
}

const rss0 = process.memoryUsage().rss;
const t0 = process.hrtime.bigint();
const intel = loadPoolList(file, { list: 'bench' });
const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
const rssLoaded = process.memoryUsage().rss;

const designs = [['minewarden PoolIntel (suffix hash table)', (q) => intel.lookupDomain(q)]];

const map = new Map(list.map((d) => [d, d]));
designs.push([
  'baseline: Map + sliced suffixes, no bounds',
  (name) => {
    let s = name.endsWith('.') ? name.slice(0, -1) : name;
    s = s.toLowerCase();
    let i = 0;
    for (;;) {
      const v = map.get(i === 0 ? s : s.slice(i));
      if (v !== undefined) return v;
      const dot = s.indexOf('.', i);
      if (dot < 0) return undefined;
      i = dot + 1;
    }
  },
]);

const trie = new Map();
for (const d of list) {
  let node = trie;
  for (const l of d.split('.').reverse()) {
    let next = node.get(l);
    if (!next) {
      next = new Map();
      node.set(l, next);
    }
    node = next;
  }
  node.set('', d);
}
designs.push([
  'baseline: label trie',
  (name) => {
    const labels = name.toLowerCase().replace(/\.$/, '').split('.');
    let node = trie;
    let found;
    for (let i = labels.length - 1; i >= 0; i--) {
      node = node.get(labels[i]);
      if (!node) break;
      if (node.has('')) found = node.get('');
    }
    return found;
  },
]);

// Each design runs in its own process: sharing one would let the JIT's view of the call site (and the order of
// the runs) decide the numbers.
const which = process.argv[2];
if (which !== undefined) {
  const [name, fn] = designs[Number(which)];
  const r = time(name, fn);
  process.stdout.write(
    `${JSON.stringify({ ...r, loadMs, rssMiB: (rssLoaded - rss0) / 1048576, size: intel.size })}\n`,
  );
  process.exit(0);
}
// (distinct names, hit share): the realistic mix at three working-set sizes, and half hits as a stress case.
const SETS = [
  [1_000, 0.1],
  [20_000, 0.1],
  [100_000, 0.1],
  [20_000, 0.5],
];
const results = [];
for (const [distinct, hitShare] of SETS)
  for (let i = 0; i < designs.length; i++) {
    const child = spawnSync(
      process.execPath,
      [new URL(import.meta.url).pathname, String(i), String(distinct), String(hitShare)],
      { encoding: 'utf8' },
    );
    if (child.status !== 0) throw new Error(child.stderr);
    results.push({ ...JSON.parse(child.stdout.trim().split('\n').at(-1)), distinct, hitShare });
  }
const { loadMs: lm, rssMiB, size } = results[0];
console.log(
  `list: ${N_DOMAINS} domains (${size} loaded) in ${lm.toFixed(0)} ms, +${rssMiB.toFixed(1)} MiB RSS`,
);
console.log(`lookups: ${N_LOOKUPS.toLocaleString('en')} per design, working set and hit share`);
for (const r of results)
  console.log(
    `  ${String(r.distinct).padStart(6)} names ${String(Math.round(r.hitShare * 100)).padStart(3)}% hits  ${r.name.padEnd(44)} ${(r.lookupsPerSec / 1e6).toFixed(2).padStart(6)} M lookups/s wall, ${(r.lookupsPerCpuSec / 1e6).toFixed(2).padStart(6)} M per CPU-second`,
  );
for (const [distinct, hitShare] of SETS) {
  const r = results.find(
    (x) => x.distinct === distinct && x.hitShare === hitShare && x.name.startsWith('minewarden'),
  );
  console.log(
    `target >= 5M lookups/s, ${distinct} distinct names, ${Math.round(hitShare * 100)}% hits: ${r.lookupsPerSec >= 5e6 ? 'MET' : 'MISSED'} wall (${(r.lookupsPerSec / 1e6).toFixed(2)}M), ${r.lookupsPerCpuSec >= 5e6 ? 'MET' : 'MISSED'} per CPU-second (${(r.lookupsPerCpuSec / 1e6).toFixed(2)}M)`,
  );
}
