// Exec event source: what each mode sees of short-lived processes, and what it costs.
// 1. 20 droppers that live 50 ms each, run one after another from a hidden /dev/shm directory.
// 2. A burst of 1,000 /bin/true (each lives well under a millisecond) from one shell loop.
// Reports, per mode: droppers seen, burst execs seen and how many with their exe, drops, kernel overruns, and the
// CPU time of this process (JS + the addon's reader thread) per 1,000 execs during the burst.
// Needs `npm run build` (imports dist/) and root for the netlink mode.
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openExecSource } from '../../dist/sources/exec/index.js';

const DROPPERS = 20;
const BURST = 1000;

const exited = (c) => new Promise((r) => c.on('exit', r));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function measure(prefer, dropper) {
  const src = openExecSource({ hostId: 'bench', prefer });
  const events = [];
  src.start((e) => events.push(e));

  const dropperPids = new Set();
  for (let i = 0; i < DROPPERS; i++) {
    const c = spawn(dropper, ['0.05']);
    dropperPids.add(c.pid);
    await exited(c);
  }
  await sleep(400);
  const droppersSeen = events.filter(
    (e) =>
      e.kind === 'exec' && dropperPids.has(e.fields['process.pid']) && e.fields['process.exe'] === dropper,
  ).length;

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const sh = spawn('/bin/sh', ['-c', `i=0; while [ $i -lt ${BURST} ]; do /bin/true; i=$((i+1)); done`]);
  await exited(sh);
  const burstMs = performance.now() - t0;
  await sleep(400);
  const cpu = process.cpuUsage(cpu0);
  // Children of the shell: by exec ppid (netlink knows it even for the briefest, from the fork record).
  const execs = events.filter((e) => e.kind === 'exec' && e.fields['process.ppid'] === sh.pid);
  const withExe = execs.filter((e) => e.fields['process.exe'] === '/usr/bin/true').length;
  await src.stop();
  const s = src.status();
  return {
    mode: s.mode,
    droppersSeen,
    burstSeen: execs.length,
    burstWithExe: withExe,
    dropped: s.dropped,
    kernelOverruns: s.kernelOverruns,
    burstMs,
    cpuMsPer1000: ((cpu.user + cpu.system) / 1000 / (burstMs + 400)) * burstMs * (1000 / BURST),
  };
}

const dir = mkdtempSync('/dev/shm/.x-');
const dropper = join(dir, 'dropper');
copyFileSync('/bin/sleep', dropper);
chmodSync(dropper, 0o755);
try {
  const rows = [];
  for (const prefer of ['netlink', 'poll']) rows.push(await measure(prefer, dropper));
  console.log(
    `| mode | 50 ms droppers seen | burst execs seen | with exe | dropped | kernel overruns | burst wall | CPU per 1,000 execs |`,
  );
  console.log('| --- | --: | --: | --: | --: | --: | --: | --: |');
  for (const r of rows) {
    console.log(
      `| ${r.mode} | ${r.droppersSeen} / ${DROPPERS} | ${r.burstSeen} / ${BURST} | ${r.burstWithExe} | ${r.dropped} | ` +
        `${r.kernelOverruns} | ${r.burstMs.toFixed(0)} ms | ${r.cpuMsPer1000.toFixed(1)} ms |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
