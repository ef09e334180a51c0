import type { TelemetryEvent } from '../../model/event.js';
import { bool, num, str } from './fields.js';

/** How a process has used the CPU: the last sample, and on average since it started. */
export interface CpuProfile {
  exe: string;
  pid: number;
  /** Percent of one core over the sampling interval. */
  samplePercent: number;
  /** Cores used on average since start (CPU seconds / age). */
  averageCores: number;
  ageSeconds: number;
}

function startMs(e: TelemetryEvent): number | undefined {
  const v = e.fields['process.startTime'];
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** The CPU profile of a process event, or null when the event lacks what it takes (or is a kernel thread). */
export function cpuProfile(e: TelemetryEvent): CpuProfile | null {
  const exe = str(e, 'process.exe');
  const pid = num(e, 'process.pid');
  const sample = num(e, 'process.cpuPercent');
  const seconds = num(e, 'process.cpuSeconds');
  const start = startMs(e);
  if (!exe || pid === undefined || sample === undefined || seconds === undefined || start === undefined)
    return null;
  if (bool(e, 'process.kernelThread')) return null;
  const ageSeconds = Math.max(0, (e.time - start) / 1000);
  return {
    exe,
    pid,
    samplePercent: sample,
    averageCores: ageSeconds > 0 ? seconds / ageSeconds : 0,
    ageSeconds,
  };
}

/** Busy now and busy on average since start: a miner's shape, unlike a spike. */
export function isSustained(p: CpuProfile, minSamplePercent: number, minAverageCores: number): boolean {
  return p.samplePercent >= minSamplePercent && p.averageCores >= minAverageCores;
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
