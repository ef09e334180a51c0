#!/usr/bin/env node
// bench/pcap: MB/s of `minewarden pcap` beside tshark with a display filter for the same things, on a >= 200 MB
// capture built from the real mining and benign captures (replayed with shifted addresses), in the same run.
//
// Both tools are measured the same way: each runs as a child of a shell that prints its own /proc/PID/stat after
// the child ended, so user+system CPU of the whole child process (every thread, start-up included) comes from the
// kernel's accounting of waited-for children. On a shared machine other work inflates wall time for both tools;
// CPU time much less. Runs of the two tools alternate so a change in load hits both.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleCjs } from '../../scripts/cjs-bundle.mjs';
import { buildBenchCapture } from './build-capture.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '../..');
const outDir = resolve(root, 'bench/out');
mkdirSync(outDir, { recursive: true });
const MB = 1024 * 1024;
const minBytes = Number(process.env.PCAP_BENCH_MB ?? 200) * MB;
const runs = Number(process.env.PCAP_BENCH_RUNS ?? 5);
const file = await buildBenchCapture(
  resolve(outDir, 'pcap-bench.pcap'),
  resolve(root, '../shared/data/pcaps'),
  minBytes,
);
const size = statSync(file).size;
const loads = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(
  `capture: ${file} (${(size / MB).toFixed(1)} MB), machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, ` +
    `load average ${loads()}`,
);

const TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const stdoutFile = resolve(outDir, 'pcap-bench.stdout');
const stderrFile = resolve(outDir, 'pcap-bench.stderr');

/** Runs `cmd args` as the shell's only child; returns wall seconds, child CPU seconds and what it printed. */
function measure(cmd, args) {
  const script = `"$@" >"$OUT" 2>"$ERR"; s=$?; cat /proc/$$/stat; exit $s`;
  const t0 = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', script, 'sh', cmd, ...args], {
    encoding: 'utf8',
    env: { ...process.env, OUT: stdoutFile, ERR: stderrFile },
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error || r.status !== 0)
    throw new Error(
      `${cmd} failed (exit ${r.status}): ${r.error ?? readFileSync(stderrFile, 'utf8').slice(-2000)}`,
    );
  const fields = r.stdout.slice(r.stdout.lastIndexOf(')') + 2).split(' ');
  // After the ")" of comm: state is field 3, so cutime (16) and cstime (17) are at 13 and 14.
  const cpuSeconds = (Number(fields[13]) + Number(fields[14])) / TCK;
  return { seconds, cpuSeconds, stdout: readFileSync(stdoutFile, 'utf8') };
}

const FILTER = 'tcp contains "mining." or tcp contains "\\"login\\"" or dns';
let version = null;
try {
  version = execFileSync('tshark', ['--version'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).split('\n')[0];
} catch {}

// `walk`: 'auto' is what `minewarden pcap FILE` does (the native packet walk when the addon is built); 'js' forces
// the JavaScript walk, measured alongside for comparison.
// The analyzer runs bundled as `minewarden pcap` ships (scripts/cjs-bundle.mjs), not from the modules of dist/.
const oursBundle = resolve(outDir, 'pcap-analyzer.cjs');
await bundleCjs(resolve(here, 'ours.mjs'), oursBundle);
const ours = (walk) => {
  const m = measure(process.execPath, [oursBundle, file, walk]);
  return { ...m, inner: JSON.parse(m.stdout.replace(/^[^{]*/, '')) };
};
const tshark = () => measure('tshark', ['-r', file, '-Y', FILTER]);

const mine = [];
const mineJs = [];
const theirs = [];
for (let i = 0; i < runs; i++) {
  mine.push(ours('auto'));
  mineJs.push(ours('js'));
  if (version) theirs.push(tshark());
}
const median = (xs, key) => [...xs].map(key).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mbps = (s) => size / MB / s;
const fmt = (s) => `${s.toFixed(2)} s`;

function describe(runsOf, label) {
  const last = runsOf[runsOf.length - 1].inner;
  const r = {
    wall: median(runsOf, (m) => m.seconds),
    cpu: median(runsOf, (m) => m.cpuSeconds),
    innerWall: median(runsOf, (m) => m.inner.seconds),
    innerCpu: median(runsOf, (m) => m.inner.cpuSeconds),
  };
  console.log(
    `minewarden ${label}, ${last.walk} walk${last.walkNote ? ` (${last.walkNote})` : ''} (node ${process.version}, ` +
      `V8 ${last.v8 ?? 'defaults'}): ` +
      `whole process median wall ${fmt(r.wall)} = ${mbps(r.wall).toFixed(0)} MB/s, ` +
      `CPU ${fmt(r.cpu)} = ${mbps(r.cpu).toFixed(0)} MB/s; analysis alone (after start-up and intel load) wall ` +
      `${fmt(r.innerWall)} = ${mbps(r.innerWall).toFixed(0)} MB/s, CPU ${fmt(r.innerCpu)} = ${mbps(r.innerCpu).toFixed(0)} MB/s; ` +
      `${last.packets} packets, ${last.flows} TCP flows, ${last.miningFindings} mining flows, ${last.findings} findings, ` +
      `peak RSS ${Math.max(...runsOf.map((m) => m.inner.maxRssMB)).toFixed(0)} MB, ` +
      `page faults in the analysis ${median(runsOf, (m) => m.inner.pageFaults ?? Number.NaN)} (${runs} runs)`,
  );
  return r;
}
const mineR = describe(mine, 'as shipped');
const jsR = describe(mineJs, 'JS walk forced');
const digests = new Set([...mine, ...mineJs].map((m) => m.inner.digest));
console.log(
  `findings, warnings and counters of every run identical: ${digests.size === 1 ? 'yes' : `NO (${digests.size} different)`}` +
    ` (sha256 ${[...digests].map((d) => d.slice(0, 16)).join(', ')})`,
);
const ourWall = mineR.wall;
const ourCpu = mineR.cpu;
const ourInnerWall = mineR.innerWall;
const ourInnerCpu = mineR.innerCpu;

if (!version) {
  console.log('tshark: not installed (apt-get install tshark); no ratio');
} else {
  // tshark's own start-up (loading every dissector), from a capture with a header and no packets.
  const empty = resolve(outDir, 'pcap-bench-empty.pcap');
  const header = Buffer.alloc(24);
  const fd = openSync(file, 'r');
  readSync(fd, header, 0, 24, 0);
  closeSync(fd);
  writeFileSync(empty, header);
  const startups = [];
  for (let i = 0; i < runs; i++) startups.push(measure('tshark', ['-r', empty, '-Y', FILTER]));
  rmSync(empty);
  const tsStart = median(startups, (m) => m.cpuSeconds);
  const tsWall = median(theirs, (m) => m.seconds);
  const tsCpu = median(theirs, (m) => m.cpuSeconds);
  const matched = spawnSync('tshark', ['-r', file, '-Y', FILTER, '-T', 'fields', '-e', 'frame.number'], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  })
    .stdout.split('\n')
    .filter(Boolean).length;
  console.log(
    `${version}: median wall ${fmt(tsWall)} = ${mbps(tsWall).toFixed(1)} MB/s, CPU ${fmt(tsCpu)} = ${mbps(tsCpu).toFixed(1)} MB/s ` +
      `(start-up alone ${fmt(tsStart)} CPU); ${matched} packets matched the filter`,
  );
  console.log(
    `ratio, whole processes: ${(tsCpu / ourCpu).toFixed(1)}x tshark by CPU time, ${(tsWall / ourWall).toFixed(1)}x by wall time; ` +
      `analysis alone (each side's start-up taken out): ${((tsCpu - tsStart) / ourInnerCpu).toFixed(1)}x by CPU time ` +
      `(target >= 20x); ${mbps(ourInnerWall).toFixed(0)} MB/s wall, ${mbps(ourInnerCpu).toFixed(0)} MB/s CPU (target >= 300 MB/s)`,
  );
  console.log(
    `JS walk forced, for comparison: ${(tsCpu / jsR.cpu).toFixed(1)}x tshark by whole-process CPU, ` +
      `${((tsCpu - tsStart) / jsR.innerCpu).toFixed(1)}x analysis alone`,
  );
}
rmSync(stdoutFile, { force: true });
rmSync(stderrFile, { force: true });
console.log(`load average at the end: ${loads()}`);
