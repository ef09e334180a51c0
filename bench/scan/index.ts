/**
 * bench/scan: wall and CPU time per scan (collection of processes, sockets and listeners, then detection) over a
 * 2,000-process fixture tree and over the live /proc, each in a fresh child process so peak RSS is the scan's own.
 * Each scan ends with the trim of untouched file-backed pages the agent does after its scans (src/util/mem-trim.ts);
 * its cost and the faults that bring used pages back are inside the measured time.
 * Target: < 150 ms per scan of 2,000 processes and < 60 MB RSS on the 2-core reference machine.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FakeRoot, tcp4Line } from '../../test/helpers/fake-proc.js';

interface Result {
  target: string;
  processes: number;
  iterations: number;
  wallMsMedian: number;
  wallMsP95: number;
  cpuMsMedian: number;
  maxRssMB: number;
}

function buildFixture(n: number): FakeRoot {
  const fake = new FakeRoot();
  const lines: string[] = [];
  for (let pid = 1; pid <= n; pid++) {
    const sockets = pid % 10 === 0 ? [100000 + pid] : [];
    fake.add({
      pid,
      ppid: pid === 1 ? 0 : 1,
      comm: `worker${pid % 40}`,
      argv: [`/usr/lib/app/worker${pid % 40}`, '--config', `/etc/app/${pid % 7}.conf`, '--threads', '4'],
      exe: '/bin/sh',
      cwd: '/srv/app',
      sockets,
    });
    if (sockets.length)
      lines.push(tcp4Line(lines.length, '10.0.0.2', 30000 + pid, '10.0.0.9', 5432, '01', 100000 + pid));
  }
  fake.netTable('tcp', lines);
  return fake;
}

/** The V8 heap sizing a long-running agent uses (deploy/ and docs/operations.md): small young generation. */
const AGENT_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=64'];

function runChild(
  root: string,
  iterations: number,
  flags: readonly string[] = [],
  reader: 'auto' | 'js' = 'auto',
  trim: 'trim' | 'no-trim' = 'trim',
): Result {
  const child = fileURLToPath(new URL('./child.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [...flags, child, root, String(iterations), reader, trim], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`bench child failed: ${r.stderr}`);
  const result = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Result;
  if (flags.length) result.target += ' (agent heap)';
  if (reader === 'js') result.target += ', JS reader';
  if (trim === 'no-trim') result.target += ', no trim';
  return result;
}

async function main(): Promise<void> {
  const fake = buildFixture(2000);
  try {
    const results = [
      runChild(fake.root, 20),
      runChild(fake.root, 20, AGENT_FLAGS),
      runChild('/', 20),
      runChild('/', 20, AGENT_FLAGS),
      // The fallback when the native reader is not built.
      runChild(fake.root, 20, AGENT_FLAGS, 'js'),
      // Without the mem_trim addon (native/mem_trim.cc), the start-up pages of the node binary stay resident.
      runChild(fake.root, 20, AGENT_FLAGS, 'auto', 'no-trim'),
    ];
    console.log('bench/scan (per scan: collect + detect; CPU sampling wait excluded)');
    console.log(
      'target                                 processes  wall median  wall p95  cpu median  max RSS',
    );
    for (const r of results) {
      console.log(
        `${r.target.padEnd(38)} ${String(r.processes).padStart(9)}  ${r.wallMsMedian.toFixed(1).padStart(8)} ms` +
          `  ${r.wallMsP95.toFixed(1).padStart(6)} ms  ${r.cpuMsMedian.toFixed(1).padStart(7)} ms  ${r.maxRssMB.toFixed(1)} MB`,
      );
    }
    const fx = results[1];
    if (fx) {
      console.log(
        `targets for 2,000 processes (agent heap): < 150 ms ${fx.wallMsMedian < 150 ? 'met' : 'MISSED'}; ` +
          `< 60 MB RSS ${fx.maxRssMB < 60 ? 'met' : 'MISSED'}`,
      );
    }
  } finally {
    fake.cleanup();
  }
}

await main();
