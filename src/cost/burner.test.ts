import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { takeSnapshot } from '../sources/procfs/snapshot.js';
import { accountWindow } from './accounting.js';
import { usageSampleOf } from './sample.js';

/** utime + stime of a pid straight from the kernel, in seconds (proc(5): fields 14 and 15, USER_HZ = 100). */
function kernelCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Exact oracle for money: cpuSeconds x amount / (vcpus x 3600) in integers, half-even to 6 places. */
function oracle(cpuSeconds: number, amount: string, vcpus: number): number {
  const cents = BigInt(Math.round(cpuSeconds * 100));
  const [i = '0', f = ''] = amount.split('.');
  const num = cents * BigInt(i + f) * 10n ** 6n;
  const den = 100n * 10n ** BigInt(f.length) * BigInt(vcpus) * 3600n;
  let q = num / den;
  const r = num % den;
  if (2n * r > den || (2n * r === den && q % 2n === 1n)) q += 1n;
  return Number(q) / 1e6;
}

let burner: ChildProcess | null = null;
afterEach(async () => {
  if (burner && burner.exitCode === null && burner.signalCode === null) {
    const gone = new Promise((r) => burner?.once('exit', r));
    burner.kill('SIGKILL');
    await gone;
  }
  burner = null;
});

async function sampleNow() {
  return usageSampleOf(await takeSnapshot({ sampleMs: 0, hash: false }), '/');
}

describe('CPU accounting against the kernel', () => {
  it('reports a busy loop within 5% of /proc/PID/stat, and money = CPU-seconds x the configured price', async () => {
    const price = { currency: 'EUR', amount: '0.05', vcpus: 1 };
    burner = spawn('bash', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
    const pid = burner.pid as number;
    const t0 = performance.now();
    await sleep(1200);
    // Freeze the burner so the kernel's figure and ours are of the same moment.
    burner.kill('SIGSTOP');
    const wallA = (performance.now() - t0) / 1000;
    await sleep(50);
    const kernelA = kernelCpuSeconds(pid);
    const a = await sampleNow();

    burner.kill('SIGCONT');
    const t1 = performance.now();
    await sleep(1000);
    burner.kill('SIGSTOP');
    const wallB = (performance.now() - t1) / 1000;
    await sleep(50);
    const kernelB = kernelCpuSeconds(pid);
    const b = await sampleNow();

    // It really burned (how much of a core it got depends on the shared machine's load), never more than wall time.
    expect(kernelA).toBeGreaterThan(0.05 * wallA);
    expect(kernelA).toBeLessThanOrEqual(wallA + 0.05);
    expect(kernelB - kernelA).toBeGreaterThan(0.05 * wallB);
    expect(kernelB - kernelA).toBeLessThanOrEqual(wallB + 0.05);

    // Since start (no baseline): the process's whole CPU time.
    const first = accountWindow(null, a, price, 0, 10_000).processes.find((p) => p.pid === pid);
    expect(first?.since).toBe('process-start');
    expect(Math.abs((first?.cpuSeconds ?? 0) - kernelA)).toBeLessThanOrEqual(0.05 * kernelA);
    expect(first?.cost).toBe(oracle(first?.cpuSeconds ?? -1, '0.05', 1));

    // Over the second interval, measured against the first sample.
    const window = accountWindow(a, b, price, a.time, 10_000).processes.find((p) => p.pid === pid);
    const kernelDelta = kernelB - kernelA;
    expect(window?.since).toBe('sample');
    expect(Math.abs((window?.cpuSeconds ?? 0) - kernelDelta)).toBeLessThanOrEqual(0.05 * kernelDelta);
    expect(window?.cost).toBe(oracle(window?.cpuSeconds ?? -1, '0.05', 1));
    expect(window?.cost).toBeGreaterThan(0);
  });
});
