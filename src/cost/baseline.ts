import { HOUR_MS, type HourlyUsage } from './hourly.js';

/**
 * The expected CPU of an hour, robustly: the median of comparable past hours, with 1.4826 x MAD as the spread
 * (a standard-deviation estimate that a few outliers, such as an earlier incident, cannot move).
 * Comparable hours, by how much history exists:
 *   - 3 weeks or more: the same hour of the week (weekly jobs, weekday/weekend);
 *   - 3 days or more: the same hour of the day (nightly batch jobs);
 *   - less: a rolling window of the last 24 hours.
 * Hours are UTC: the periodicity is the same in any time zone, and the result does not depend on the machine's TZ.
 */
export type BaselineMethod = 'hour-of-week' | 'hour-of-day' | 'rolling-24h';

export interface BaselineEstimate {
  method: BaselineMethod;
  expected: number;
  /** Robust spread, floored so a perfectly flat history does not make every wobble an anomaly. */
  scale: number;
  points: number;
}

export interface BaselineOptions {
  /** Floor of the spread in CPU seconds per hour; default 180 (5% of one vCPU). */
  minScale?: number;
  /** Floor of the spread relative to the expected value; default 0.1. */
  minRelativeScale?: number;
}

const DAY = 24;
const WEEK = 7 * DAY;
const MIN_POINTS = 3;
const ROLLING_MIN_POINTS = 6;

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return Number.NaN;
  const mid = Math.floor(n / 2);
  return n % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function mad(values: readonly number[], center = median(values)): number {
  return median(values.map((v) => Math.abs(v - center)));
}

function hourIndex(t: number): number {
  return Math.floor(t / HOUR_MS);
}

/** Expected CPU seconds of `hour` from `history` (hours strictly before it); null when history is too short. */
export function estimateBaseline(
  history: readonly HourlyUsage[],
  hour: number,
  opts: BaselineOptions = {},
): BaselineEstimate | null {
  const past = history.filter((h) => h.hour < hour);
  const first = past[0];
  if (!first) return null;
  const spanHours = hourIndex(hour) - hourIndex(first.hour);
  const target = hourIndex(hour);
  let method: BaselineMethod;
  let points: number[];
  if (spanHours >= 3 * WEEK) {
    method = 'hour-of-week';
    points = past
      .filter((h) => (target - hourIndex(h.hour)) % WEEK === 0 && target - hourIndex(h.hour) <= 8 * WEEK)
      .map((h) => h.cpuSeconds);
  } else if (spanHours >= 3 * DAY) {
    method = 'hour-of-day';
    points = past
      .filter((h) => (target - hourIndex(h.hour)) % DAY === 0 && target - hourIndex(h.hour) <= 14 * DAY)
      .map((h) => h.cpuSeconds);
  } else {
    method = 'rolling-24h';
    points = past.filter((h) => target - hourIndex(h.hour) <= DAY).map((h) => h.cpuSeconds);
  }
  if (points.length < (method === 'rolling-24h' ? ROLLING_MIN_POINTS : MIN_POINTS)) return null;
  const expected = median(points);
  const scale = Math.max(
    1.4826 * mad(points, expected),
    opts.minScale ?? 180,
    (opts.minRelativeScale ?? 0.1) * expected,
  );
  return { method, expected, scale, points: points.length };
}
