#!/usr/bin/env node
// bench/logs: 1,000,000 mixed auth-log lines through `minewarden logs FILE` (and, for comparison with earlier runs,
// its pipeline alone) and through fail2ban-regex (stock sshd filter) in the same run: lines/s and peak RSS of each,
// and the ratios, judged on the command. Targets: >= 50x fail2ban's lines/s at <= 1/5 of its memory. Peak RSS is read from /proc/PID/status (VmHWM) of each process just before it exits.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const N = Number(process.env.BENCH_LOG_LINES ?? 1_000_000);
const outDir = join(here, '../out');
mkdirSync(outDir, { recursive: true });
const file = join(outDir, `auth-${N}.log`);
if (!existsSync(file)) await generate(file, N);
const mb = statSync(file).size / 1048576;

const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/**
 * Runs a command and measures it: wall time, CPU time (user + system) and peak RSS through GNU time when present
 * (Debian package `time`), else wall time and peak RSS polled from /proc/PID/status (VmHWM).
 */
function run(cmd, args, okCodes = [0]) {
  return new Promise((resolve, reject) => {
    const timeFile = join(outDir, `time-${process.pid}-${Date.now()}.txt`);
    const [exe, argv] = GNU_TIME
      ? [GNU_TIME, ['-f', '%e %U %S %M', '-o', timeFile, cmd, ...args]]
      : [cmd, args];
    const t0 = process.hrtime.bigint();
    const child = spawn(exe, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakKb = 0;
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const poll = GNU_TIME
      ? null
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) peakKb = Math.max(peakKb, Number(m[1]));
          } catch {}
        }, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      let seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      let cpuSeconds = null;
      if (GNU_TIME) {
        const [e, u, sy, m] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
        rmSync(timeFile, { force: true });
        seconds = e;
        cpuSeconds = u + sy;
        peakKb = m;
      }
      if (!okCodes.includes(code)) reject(new Error(`${cmd} exited ${code}: ${stderr.slice(0, 500)}`));
      else resolve({ seconds, cpuSeconds, peakMiB: peakKb / 1024, stdout });
    });
  });
}

const cpuRate = (r) => (r.cpuSeconds ? N / r.cpuSeconds : null);
const fmt = (r, scale, unit) =>
  `${(N / r.seconds / scale).toFixed(2)} ${unit} lines/s wall${r.cpuSeconds ? `, ${(cpuRate(r) / scale).toFixed(2)} ${unit} per CPU-second` : ''}`;

console.log(`input: ${N.toLocaleString('en')} lines, ${mb.toFixed(1)} MiB (${file})`);
// The native line walk (native/authlog_walk.cc) is optional: say whether these runs had it.
const { loadAuthLogWalk } = await import('../../dist/sources/authlog/native-walk.js');
console.log(
  `native line walk: ${loadAuthLogWalk() ? 'built (build/Release/authlog_walk.node)' : 'not built: lines read in JS'}`,
);
console.log(
  `load average: ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
const pipeline = await run(process.execPath, [join(here, 'ours.mjs'), file]);
const inner = JSON.parse(pipeline.stdout.trim());
console.log(
  `minewarden logs pipeline: ${pipeline.seconds.toFixed(2)} s wall, ${pipeline.cpuSeconds?.toFixed(2) ?? '?'} s CPU; ${fmt(pipeline, 1e6, 'M')}; peak RSS ${pipeline.peakMiB.toFixed(0)} MiB; ${inner.events} auth events, ${inner.bruteForce} brute-force sources`,
);
// The command itself, as a user runs it (CLI start-up, all of the above, the JSON report): the judged figure.
// Exit 1 is its answer to "findings at or above high", which a brute-forced log has.
const ours = await run(
  process.execPath,
  [join(here, '../../bin/minewarden'), 'logs', file, '--format', 'json', '--host-id', 'bench'],
  [0, 1],
);
const report = JSON.parse(ours.stdout);
const cmdBruteForce = report.findings.filter((f) => f.ruleId === 'ssh.brute-force').length;
if (report.summary.authEvents !== inner.events || cmdBruteForce !== inner.bruteForce)
  throw new Error(`the command and the pipeline disagree: ${JSON.stringify(report.summary)}`);
console.log(
  `minewarden logs FILE:     ${ours.seconds.toFixed(2)} s wall, ${ours.cpuSeconds?.toFixed(2) ?? '?'} s CPU; ${fmt(ours, 1e6, 'M')}; peak RSS ${ours.peakMiB.toFixed(0)} MiB; ${report.summary.findings} findings`,
);

const hasF2b = spawnSync('fail2ban-regex', ['-V']).status === 0;
if (!hasF2b) {
  console.log('fail2ban-regex not installed (apt-get install fail2ban): no side-by-side numbers');
} else {
  const f2b = await run('fail2ban-regex', ['-r', '--print-no-missed', '--print-no-ignored', file, 'sshd']);
  const matched = /Lines: \d+ lines, \d+ ignored, (\d+) matched/.exec(f2b.stdout)?.[1] ?? '?';
  console.log(
    `fail2ban-regex (sshd):    ${f2b.seconds.toFixed(2)} s wall, ${f2b.cpuSeconds?.toFixed(2) ?? '?'} s CPU; ${fmt(f2b, 1e3, 'k')}; peak RSS ${f2b.peakMiB.toFixed(0)} MiB; ${matched} failures matched`,
  );
  console.log(
    `pipeline alone: ${(f2b.cpuSeconds && pipeline.cpuSeconds ? f2b.cpuSeconds / pipeline.cpuSeconds : f2b.seconds / pipeline.seconds).toFixed(1)}x`,
  );
  const speed = f2b.seconds / ours.seconds;
  const cpuSpeed = ours.cpuSeconds && f2b.cpuSeconds ? f2b.cpuSeconds / ours.cpuSeconds : null;
  const mem = ours.peakMiB / f2b.peakMiB;
  // Judged per CPU-second when GNU time gives CPU times: on a shared machine wall time counts other tenants too.
  const judged = cpuSpeed ?? speed;
  console.log(
    `speed: ${speed.toFixed(1)}x fail2ban wall${cpuSpeed ? `, ${cpuSpeed.toFixed(1)}x per CPU-second` : ''} (target >= 50x ${cpuSpeed ? 'per CPU-second' : 'wall'}: ${judged >= 50 ? 'MET' : 'MISSED'})`,
  );
  console.log(
    `memory: ${mem.toFixed(2)} of fail2ban's peak RSS (target <= 0.20: ${mem <= 0.2 ? 'MET' : 'MISSED'})`,
  );
  console.log(
    `load average after: ${(await import('node:os'))
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
}
