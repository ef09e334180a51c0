import type { UsageSample } from './sample.js';

/** Host CPU seconds used in one clock hour (UTC), the unit of the spend baseline. */
export interface HourlyUsage {
  /** Epoch ms of the start of the hour. */
  hour: number;
  cpuSeconds: number;
}

export const HOUR_MS = 3600_000;
/** Samples further apart than this are not interpolated between: what happened in the gap is unknown. */
export const MAX_GAP_MS = 6 * HOUR_MS;
/** An hour counts only when samples cover at least this share of it. */
const MIN_COVERAGE = 0.5;

/**
 * Spreads the busy-CPU delta between consecutive samples evenly over the hours they span, then scales each hour to a
 * full hour of coverage. Pairs across a reboot or a long gap are skipped. Pure.
 */
export function hourlyUsage(samples: readonly UsageSample[]): HourlyUsage[] {
  const sorted = [...samples].sort((a, b) => a.time - b.time);
  const acc = new Map<number, { cpu: number; covered: number }>();
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1];
    const b = sorted[i];
    if (!a || !b || a.bootTime !== b.bootTime) continue;
    const span = b.time - a.time;
    const used = b.hostCpuSeconds - a.hostCpuSeconds;
    if (span <= 0 || span > MAX_GAP_MS || used < 0) continue;
    for (let t = a.time; t < b.time; ) {
      const hour = Math.floor(t / HOUR_MS) * HOUR_MS;
      const end = Math.min(b.time, hour + HOUR_MS);
      const slot = acc.get(hour) ?? { cpu: 0, covered: 0 };
      slot.cpu += (used * (end - t)) / span;
      slot.covered += end - t;
      acc.set(hour, slot);
      t = end;
    }
  }
  return [...acc.entries()]
    .filter(([, v]) => v.covered >= MIN_COVERAGE * HOUR_MS)
    .map(([hour, v]) => ({ hour, cpuSeconds: (v.cpu * HOUR_MS) / v.covered }))
    .sort((x, y) => x.hour - y.hour);
}
