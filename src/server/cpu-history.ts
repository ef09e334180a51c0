import { z } from 'zod';
import { parseDuration } from '../cost/duration.js';
import { MinewardenError } from '../model/errors.js';
import type { StoredFinding } from '../store/types.js';
import { CpuProcessSchema, type CpuSampleRecord } from '../store/types.js';
import { isMinerFinding } from './dashboard/classify.js';

/** A chart has no use for more points than it has pixels; longer windows are averaged into buckets. */
export const MAX_POINTS = 500;
/** How far back one request may look (retention keeps 14 days by default). */
export const MAX_WINDOW_MS = 90 * 86_400_000;
/** Process names kept per point. */
export const POINT_TOP = 3;

/**
 * `since` as a duration back from `now` (30m, 24h, 7d, as everywhere else) or an ISO time; throws a usage error
 * naming `since` when it is neither, lies ahead of `now`, or reaches further back than MAX_WINDOW_MS.
 */
export function parseSince(since: string, now: number): number {
  const iso = /^\d{4}-\d\d-\d\dT/.test(since) ? Date.parse(since) : Number.NaN;
  const ms = Number.isFinite(iso) ? iso : now - parseDuration(since, 'since');
  if (ms > now) throw new MinewardenError('MW_USAGE', `since: ${since} lies in the future`);
  if (now - ms > MAX_WINDOW_MS)
    throw new MinewardenError('MW_USAGE', `since: ${since} reaches back more than 90 days`);
  return ms;
}

export const CpuPointSchema = z.object({
  /** The sample's time, or the start of the bucket when several samples were averaged. */
  time: z.string(),
  /** Samples behind the point. */
  n: z.number().int(),
  /** Mean and highest busy % of all cores over the point's samples. */
  avg: z.number(),
  max: z.number(),
  /** Mean 1-minute load average of the samples that carry one. */
  load: z.number().nullable(),
  /** The busiest processes over the point: mean % of a core across its samples (absent counts 0) and highest. */
  top: z.array(
    z.object({
      name: z.string(),
      exe: z.string().nullable(),
      cpuPercent: z.number(),
      maxPercent: z.number(),
    }),
  ),
});
export type CpuPoint = z.infer<typeof CpuPointSchema>;

export const MiningMarkSchema = z.object({
  findingId: z.string(),
  ruleId: z.string(),
  title: z.string(),
  severity: z.string(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  pid: z.number().nullable(),
  exe: z.string().nullable(),
});
export type MiningMark = z.infer<typeof MiningMarkSchema>;

export const CpuHistorySchema = z.object({
  hostId: z.string(),
  since: z.string(),
  until: z.string(),
  /** Samples in the window; more than MAX_POINTS are averaged into buckets of `bucketMs` (0: one point each). */
  samples: z.number().int(),
  bucketMs: z.number().int(),
  points: z.array(CpuPointSchema),
  /** The newest sample in the window in full (pids, users, containers), null when there is none. */
  latest: z
    .object({
      time: z.string(),
      busyPercent: z.number(),
      cpus: z.number().nullable(),
      windowMs: z.number().nullable(),
      top: z.array(CpuProcessSchema),
    })
    .nullable(),
  /** Mining findings of the host (miner rules, pool traffic, cost evidence, or T1496), earliest first seen first. */
  mining: z.array(MiningMarkSchema),
});
export type CpuHistory = z.infer<typeof CpuHistorySchema>;

const round2 = (x: number): number => Math.round(x * 100) / 100;

function pointOf(time: number, group: readonly CpuSampleRecord[]): CpuPoint {
  let sum = 0;
  let max = 0;
  let loadSum = 0;
  let loads = 0;
  const procs = new Map<string, { name: string; exe: string | null; sum: number; max: number }>();
  for (const s of group) {
    sum += s.busyPercent;
    max = Math.max(max, s.busyPercent);
    if (s.load) {
      loadSum += s.load[0] as number;
      loads++;
    }
    for (const p of s.top) {
      const key = p.exe ?? `comm:${p.name}`;
      const acc = procs.get(key) ?? { name: p.name, exe: p.exe ?? null, sum: 0, max: 0 };
      acc.sum += p.cpuPercent;
      acc.max = Math.max(acc.max, p.cpuPercent);
      procs.set(key, acc);
    }
  }
  const n = group.length;
  const top = [...procs.values()]
    .sort((a, b) => b.sum - a.sum || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, POINT_TOP)
    .map((p) => ({ name: p.name, exe: p.exe, cpuPercent: round2(p.sum / n), maxPercent: p.max }));
  return {
    time: new Date(time).toISOString(),
    n,
    avg: round2(sum / n),
    max,
    load: loads > 0 ? round2(loadSum / loads) : null,
    top,
  };
}

/**
 * Samples (oldest first) as at most `maxPoints` points: each sample its own point when they fit, else buckets of
 * equal width from `sinceMs` (empty buckets give no point, so a gap in the samples stays a gap in the chart).
 */
export function downsample(
  samples: readonly CpuSampleRecord[],
  sinceMs: number,
  untilMs: number,
  maxPoints = MAX_POINTS,
): { bucketMs: number; points: CpuPoint[] } {
  if (samples.length <= maxPoints)
    return { bucketMs: 0, points: samples.map((s) => pointOf(Date.parse(s.time), [s])) };
  const bucketMs = Math.max(1, Math.ceil((untilMs - sinceMs) / maxPoints));
  const points: CpuPoint[] = [];
  let group: CpuSampleRecord[] = [];
  let bucket = -1;
  for (const s of samples) {
    const b = Math.floor((Date.parse(s.time) - sinceMs) / bucketMs);
    if (b !== bucket && group.length > 0) {
      points.push(pointOf(sinceMs + bucket * bucketMs, group));
      group = [];
    }
    bucket = b;
    group.push(s);
  }
  if (group.length > 0) points.push(pointOf(sinceMs + bucket * bucketMs, group));
  return { bucketMs, points };
}

/** Mining findings (the dashboard's, or any resource hijacking: ATT&CK T1496), earliest first seen first. */
export function miningMarks(findings: readonly StoredFinding[], limit = 50): MiningMark[] {
  return findings
    .filter((s) => isMinerFinding(s.finding) || s.finding.techniques.includes('T1496'))
    .sort((a, b) => (a.firstSeen < b.firstSeen ? -1 : a.firstSeen > b.firstSeen ? 1 : 0))
    .slice(0, limit)
    .map(({ finding: f, firstSeen, lastSeen }) => ({
      findingId: f.id,
      ruleId: f.ruleId,
      title: f.title,
      severity: f.severity,
      firstSeen,
      lastSeen,
      pid: f.entity.pid ?? null,
      exe: f.entity.exe ?? null,
    }));
}

export function latestOf(samples: readonly CpuSampleRecord[]): CpuHistory['latest'] {
  const s = samples[samples.length - 1];
  if (!s) return null;
  return {
    time: s.time,
    busyPercent: s.busyPercent,
    cpus: s.cpus ?? null,
    windowMs: s.windowMs ?? null,
    top: s.top,
  };
}
