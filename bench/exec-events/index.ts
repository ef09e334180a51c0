// Exec event source: what each mode sees of short-lived processes, and what it costs.
// 1. 20 droppers that live 50 ms each, run one after another from a hidden /dev/shm directory.
// 2. A burst of 1,000 /bin/true (each lives well under a millisecond) from one shell loop.
// Reports, per mode: droppers seen, burst execs seen and how many with their exe, drops, kernel overruns, and the
// CPU time of this process (JS + the addon's reader thread) for the burst's 1,000 execs and exits.
// Needs root (or Linux >= 6.6) for the netlink mode. Run with `npm run bench exec-events`.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TelemetryEvent } from '../../src/model/event.js';
import { openExecSource } from '../../src/sources/exec/index.js';

const DROPPERS = 20;
const BURST = 1000;

const exited = (c: ChildProcess) => new Promise((r) => c.on('exit', r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(prefer: 'netlink' | 'poll', dropper: string) {
  const src = openExecSource({ hostId: 'bench', prefer });
  const events: TelemetryEvent[] = [];
  src.start((e) => events.push(e));

  const dropperPids = new Set<number | undefined>();
  for (let i = 0; i < DROPPERS; i++) {
    const c = spawn(dropper, ['0.05']);
    dropperPids.add(c.pid);
    await exited(c);
  }
  await sleep(400);
  const droppersSeen = events.filter(
    (e) =>
      e.kind === 'exec' &&
      dropperPids.has(e.fields['process.pid'] as number) &&
      e.fields['process.exe'] === dropper,
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
    // Everything this process spent from the burst's start until its events were all handled (burst + 400 ms).
    cpuMs: (cpu.user + cpu.system) / 1000,
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
    `| mode | 50 ms droppers seen | burst execs seen | with exe | dropped | kernel overruns | burst wall | CPU (burst + drain) |`,
  );
  console.log('| --- | --: | --: | --: | --: | --: | --: | --: |');
  for (const r of rows) {
    console.log(
      `| ${r.mode} | ${r.droppersSeen} / ${DROPPERS} | ${r.burstSeen} / ${BURST} | ${r.burstWithExe} | ${r.dropped} | ` +
        `${r.kernelOverruns} | ${r.burstMs.toFixed(0)} ms | ${r.cpuMs.toFixed(1)} ms |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
