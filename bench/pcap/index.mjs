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
/**
 * Wall time, and CPU time from the shell's accounting of its waited-for child (cutime + cstime in
 * /proc/self/stat): other work on a shared machine inflates wall time for both tools alike, CPU time much less.
 */
function tshark() {
  const script = `tshark -r "$1" -Y "$2" >/dev/null 2>/dev/null; s=$?; cat /proc/$$/stat; exit $s`;
  const t0 = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', script, 'sh', file, FILTER], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error || r.status !== 0) return null;
  const fields = r.stdout.slice(r.stdout.lastIndexOf(')') + 2).split(' ');
  const tck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  // After the ")" of comm: state is field 3, so cutime (16) and cstime (17) are at 13 and 14.
  const cpuSeconds = (Number(fields[13]) + Number(fields[14])) / tck;
  const matched = spawnSync('tshark', ['-r', file, '-Y', FILTER, '-T', 'fields', '-e', 'frame.number'], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  })
    .stdout.split('\n')
    .filter(Boolean).length;
  return { seconds, cpuSeconds, matched };
}

const mine = [];
for (let i = 0; i < runs; i++) mine.push(ours());
const med = (k) => [...mine].sort((a, b) => a[k] - b[k])[Math.floor(mine.length / 2)][k];
const wall = med('seconds');
const cpu = med('cpuSeconds');
const last = mine[mine.length - 1];
const mbps = (s) => size / MB / s;
console.log(
  `minewarden: median wall ${wall.toFixed(2)} s = ${mbps(wall).toFixed(0)} MB/s, median CPU ${cpu.toFixed(2)} s = ${mbps(cpu).toFixed(0)} MB/s; ` +
    `${last.packets} packets, ${last.flows} TCP flows, ${last.miningFindings} mining flows, ${last.findings} findings, peak RSS ${Math.max(...mine.map((m) => m.maxRssMB)).toFixed(0)} MB (${runs} runs)`,
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
    `${version}: wall ${ts.seconds.toFixed(2)} s = ${mbps(ts.seconds).toFixed(1)} MB/s, CPU ${ts.cpuSeconds.toFixed(2)} s = ${mbps(ts.cpuSeconds).toFixed(1)} MB/s; ${ts.matched} packets matched the filter`,
  );
  console.log(
    `ratio: ${(ts.seconds / wall).toFixed(1)}x tshark by wall time, ${(ts.cpuSeconds / cpu).toFixed(1)}x by CPU time (target >= 20x); ` +
      `${mbps(wall).toFixed(0)} MB/s wall, ${mbps(cpu).toFixed(0)} MB/s CPU (target >= 300 MB/s)`,
  );
}
