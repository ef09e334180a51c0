#!/usr/bin/env node
// bench/pcap: MB/s of `minewarden pcap` beside tshark with a display filter for the same things, on a >= 200 MB
// capture built from the real mining and benign captures (replayed with shifted addresses), in the same run.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBenchCapture } from './build-capture.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '../..');
const outDir = resolve(root, 'bench/out');
mkdirSync(outDir, { recursive: true });
const MB = 1024 * 1024;
const minBytes = Number(process.env.PCAP_BENCH_MB ?? 200) * MB;
const runs = Number(process.env.PCAP_BENCH_RUNS ?? 3);
const file = await buildBenchCapture(
  resolve(outDir, 'pcap-bench.pcap'),
  resolve(root, '../shared/data/pcaps'),
  minBytes,
);
const size = statSync(file).size;
console.log(
  `capture: ${file} (${(size / MB).toFixed(1)} MB), machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}`,
);

function ours() {
  const r = spawnSync(process.execPath, [resolve(here, 'ours.mjs'), file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ours.mjs failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const FILTER = 'tcp contains "mining." or tcp contains "\\"login\\"" or dns';
function tshark() {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('tshark', ['-r', file, '-Y', FILTER], {
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 30,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error || r.status !== 0) return null;
  return { seconds, matched: r.stdout.toString().split('\n').filter(Boolean).length };
}

const mine = [];
for (let i = 0; i < runs; i++) mine.push(ours());
mine.sort((a, b) => a.seconds - b.seconds);
const best = mine[0];
const median = mine[Math.floor(mine.length / 2)];
const mbps = (s) => size / MB / s;
console.log(
  `minewarden: median ${median.seconds.toFixed(2)} s = ${mbps(median.seconds).toFixed(0)} MB/s (best ${mbps(best.seconds).toFixed(0)} MB/s), ` +
    `${median.packets} packets, ${median.flows} TCP flows, ${median.miningFindings} mining flows, peak RSS ${median.maxRssMB.toFixed(0)} MB`,
);
let version = null;
try {
  version = execFileSync('tshark', ['--version'], { encoding: 'utf8' }).split('\n')[0];
} catch {}
const ts = version ? tshark() : null;
if (!ts) {
  console.log('tshark: not installed (apt-get install tshark); no ratio');
} else {
  console.log(
    `${version}: ${ts.seconds.toFixed(2)} s = ${mbps(ts.seconds).toFixed(1)} MB/s, ${ts.matched} packets matched the filter`,
  );
  const ratio = ts.seconds / median.seconds;
  console.log(
    `ratio: ${ratio.toFixed(1)}x tshark (target >= 20x); ${mbps(median.seconds).toFixed(0)} MB/s (target >= 300 MB/s)`,
  );
}
