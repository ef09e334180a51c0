import type { TelemetryEvent } from '../../model/event.js';
import { bool, num, str } from './fields.js';

/**
 * How a process has used the CPU: the last sample, and on average since it started. "Used" is what the scheduler
 * gave it; "demand" adds the time it sat runnable on a runqueue, so a CPU-bound process on a contended host (which
 * gets few cycles but never stops wanting them) still reads as CPU-bound. Without schedstat, demand = use.
 */
export interface CpuProfile {
  exe: string;
  pid: number;
  /** Percent of one core used over the sampling interval. */
  samplePercent: number;
  /** Cores used on average since start (CPU seconds / age). */
  averageCores: number;
  /** Percent of one core wanted (running + runnable) over the sampling interval. */
  demandPercent: number;
  /** Cores wanted on average since start ((CPU seconds + runqueue wait) / age). */
  averageDemandCores: number;
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
  const wait = num(e, 'process.cpuWaitSeconds') ?? 0;
  const demand = num(e, 'process.cpuDemandPercent');
  return {
    exe,
    pid,
    samplePercent: sample,
    averageCores: ageSeconds > 0 ? seconds / ageSeconds : 0,
    demandPercent: Math.max(sample, demand ?? 0),
    averageDemandCores: ageSeconds > 0 ? (seconds + wait) / ageSeconds : 0,
    ageSeconds,
  };
}

/** CPU-bound now and on average since start (by demand): a miner's shape, unlike a spike. */
export function isSustained(p: CpuProfile, minSamplePercent: number, minAverageCores: number): boolean {
  return p.demandPercent >= minSamplePercent && p.averageDemandCores >= minAverageCores;
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
