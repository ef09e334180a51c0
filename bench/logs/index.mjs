#!/usr/bin/env node
// bench/logs: 1,000,000 mixed auth-log lines through `minewarden logs`' pipeline and through fail2ban-regex (stock
// sshd filter) in the same run: lines/s and peak RSS of each, and the ratios. Targets: >= 50x fail2ban's lines/s
// at <= 1/5 of its memory. Peak RSS is read from /proc/PID/status (VmHWM) of each process just before it exits.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
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

/** Runs a command, polling its peak RSS (VmHWM) until it exits; returns wall time, peak RSS and stdout. */
function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakKb = 0;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {}
    }, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) reject(new Error(`${cmd} exited ${code}: ${stderr.slice(0, 500)}`));
      else resolve({ seconds, peakMiB: peakKb / 1024, stdout });
    });
  });
}

console.log(`input: ${N.toLocaleString('en')} lines, ${mb.toFixed(1)} MiB (${file})`);
const ours = await run(process.execPath, [join(here, 'ours.mjs'), file]);
const inner = JSON.parse(ours.stdout.trim());
const ourRate = N / ours.seconds;
console.log(
  `minewarden logs pipeline: ${ours.seconds.toFixed(2)} s wall (${inner.seconds.toFixed(2)} s in-process), ${(ourRate / 1e6).toFixed(2)} M lines/s, peak RSS ${ours.peakMiB.toFixed(0)} MiB, ${inner.events} auth events, ${inner.bruteForce} brute-force sources`,
);

const hasF2b = spawnSync('fail2ban-regex', ['-V']).status === 0;
if (!hasF2b) {
  console.log('fail2ban-regex not installed (apt-get install fail2ban): no side-by-side numbers');
} else {
  const f2b = await run('fail2ban-regex', ['-r', '--print-no-missed', '--print-no-ignored', file, 'sshd']);
  const f2bRate = N / f2b.seconds;
  const matched = /Lines: \d+ lines, \d+ ignored, (\d+) matched/.exec(f2b.stdout)?.[1] ?? '?';
  console.log(
    `fail2ban-regex (sshd):    ${f2b.seconds.toFixed(2)} s wall, ${(f2bRate / 1e3).toFixed(1)} k lines/s, peak RSS ${f2b.peakMiB.toFixed(0)} MiB, ${matched} failures matched`,
  );
  const speed = ourRate / f2bRate;
  const mem = ours.peakMiB / f2b.peakMiB;
  console.log(`speed: ${speed.toFixed(1)}x fail2ban (target >= 50x: ${speed >= 50 ? 'MET' : 'MISSED'})`);
  console.log(`memory: ${mem.toFixed(2)} of fail2ban's (target <= 0.20: ${mem <= 0.2 ? 'MET' : 'MISSED'})`);
}
