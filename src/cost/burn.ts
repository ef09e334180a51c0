import type { Finding } from '../model/finding.js';
import { D, type Dec, MONEY_DP } from './money.js';

/**
 * Money of mining processes as their findings' cost evidence (src/cost/enrich.ts) states it, shared by the
 * incident cost (src/correlate/incident-cost.ts) and the server's fleet money (src/server/dashboard/money.ts), so
 * a process is counted the same way everywhere.
 */

const HOUR_MS = 3_600_000;

/** Evidence older than this no longer counts as "mining now", whatever the heartbeat interval. */
export const MINING_NOW_MS = 15 * 60_000;

/** A finding with the window it was seen in (a scan: its own time twice; the store: first and last sighting). */
export interface SeenFinding {
  finding: Finding;
  firstSeen: string;
  lastSeen: string;
}

export interface CostFigures {
  currency: string;
  perHour: number;
  perMonth: number;
  /** Money since the process started, as of the finding; null when the evidence does not say. */
  sinceStart: number | null;
  /** CPU seconds (own + reaped children) since the process started; null when the evidence does not say. */
  cpuSeconds: number | null;
}

function nonNegative(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

/** The cost evidence of a finding, read defensively: it may have arrived over the wire or from a file. */
export function readCost(f: Finding): CostFigures | null {
  const c = f.evidence.cost;
  if (typeof c !== 'object' || c === null) return null;
  const { currency, perHour, perMonth, sinceStart, cpuSeconds } = c as Record<string, unknown>;
  if (typeof currency !== 'string' || currency.length === 0 || currency.length > 16) return null;
  if (!nonNegative(perHour) || !nonNegative(perMonth)) return null;
  return {
    currency,
    perHour,
    perMonth,
    sinceStart: nonNegative(sinceStart) ? sinceStart : null,
    cpuSeconds: nonNegative(cpuSeconds) ? cpuSeconds : null,
  };
}

export function cpuPercentOfCost(f: Finding): number | null {
  const c = f.evidence.cost as Record<string, unknown> | undefined;
  const v = c?.cpuPercent ?? f.evidence.cpuPercent;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** One process: host, pid and start time (a reused pid is another process); without a pid, the finding itself. */
export function processKey(f: Finding): string {
  return `${f.host.id}\u0000${f.entity.pid ?? f.id}\u0000${f.entity.startTime ?? ''}`;
}

/** One mining process as the cost evidence prices it, with the span it was seen running. */
export interface Burner {
  key: string;
  hostId: string;
  /** Figures of the newest finding about the process (the freshest sinceStart). */
  cost: CostFigures;
  /** Percent of one core the cost evidence was priced from (null when it was an average since start). */
  cpuPercent: number | null;
  /** Process start (ms) when the finding names it. */
  startTime: number | null;
  /** First and last sighting (ms); `to` is now for a process still mining. */
  from: number;
  to: number;
  /** Last sighting (ms), whether or not it still runs. */
  lastSeen: number;
  now: boolean;
}

/**
 * Several findings describe the same process (command line, pool, CPU), each with the same cost evidence, so a
 * process is counted once. Its span is the union of its findings' windows; its figures are the newest finding's.
 * With `now`, a process last seen within MINING_NOW_MS runs until now; without (a single scan, no clock), every
 * process counts as running, because the scan has just seen it.
 */
export function burners(findings: readonly SeenFinding[], now: number | null): Burner[] {
  const byProcess = new Map<string, Burner & { newest: number }>();
  for (const s of findings) {
    const cost = readCost(s.finding);
    if (!cost) continue;
    const from = Date.parse(s.firstSeen);
    const last = Date.parse(s.lastSeen);
    const time = Date.parse(s.finding.time);
    if (!Number.isFinite(from) || !Number.isFinite(last)) continue;
    const key = processKey(s.finding);
    const start = s.finding.entity.startTime ? Date.parse(s.finding.entity.startTime) : Number.NaN;
    const prev = byProcess.get(key);
    const newest = Number.isFinite(time) ? time : last;
    if (!prev) {
      byProcess.set(key, {
        key,
        hostId: s.finding.host.id,
        cost,
        cpuPercent: cpuPercentOfCost(s.finding),
        startTime: Number.isFinite(start) ? start : null,
        from,
        to: last,
        lastSeen: last,
        now: false,
        newest,
      });
      continue;
    }
    prev.from = Math.min(prev.from, from);
    prev.lastSeen = Math.max(prev.lastSeen, last);
    prev.to = prev.lastSeen;
    if (newest > prev.newest) {
      prev.newest = newest;
      prev.cost = cost;
      prev.cpuPercent = cpuPercentOfCost(s.finding);
    }
  }
  return [...byProcess.values()].map(({ newest: _, ...b }) => {
    const running = now === null || now - b.lastSeen <= MINING_NOW_MS;
    // Still running: it has burned until now, not only until the last scan saw it.
    return { ...b, now: running, to: running && now !== null ? Math.max(now, b.lastSeen) : b.lastSeen };
  });
}

function overlapMs(b: Burner, start: number, end: number): number {
  return Math.max(0, Math.min(b.to, end) - Math.max(b.from, start));
}

/** Exact sum of perHour x the part of [start, end) each burner ran, unrounded. */
export function burnedExact(bs: readonly Burner[], start: number, end: number): Dec {
  let acc = new D(0);
  for (const b of bs) {
    const ms = overlapMs(b, start, end);
    if (ms > 0) acc = acc.plus(new D(b.cost.perHour).times(ms).div(HOUR_MS));
  }
  return acc;
}

/** Hours (fractional) each burner ran inside [start, end), summed: the mean CPU of a chart point uses it. */
export function overlapHours(b: Burner, start: number, end: number): number {
  return overlapMs(b, start, end) / HOUR_MS;
}

export function roundMoney(x: Dec): number {
  return x.toDecimalPlaces(MONEY_DP, D.ROUND_HALF_EVEN).toNumber();
}

/** What mining has cost in one currency: in a window, per hour now and projected per month. */
export interface CurrencyTotals {
  currency: string;
  /** perHour x time each process ran inside the window. */
  burned: number;
  /** Sum of perHour of the processes mining now. */
  perHour: number;
  /** Sum of perMonth of the processes mining now: what a month costs if they keep running. */
  perMonth: number;
  /** Processes seen running inside the window; processes mining now. */
  processes: number;
  running: number;
}

/** Totals per currency (currencies never mix), ordered by the monthly projection, largest first. */
export function totalsByCurrency(bs: readonly Burner[], from: number, to: number): CurrencyTotals[] {
  const groups = new Map<string, Burner[]>();
  for (const b of bs) {
    const list = groups.get(b.cost.currency);
    if (list) list.push(b);
    else groups.set(b.cost.currency, [b]);
  }
  const out: CurrencyTotals[] = [];
  for (const [currency, list] of groups) {
    const inWindow = list.filter((b) => b.to >= from && b.from <= to);
    const live = list.filter((b) => b.now);
    if (inWindow.length === 0 && live.length === 0) continue;
    out.push({
      currency,
      burned: roundMoney(burnedExact(list, from, to)),
      perHour: roundMoney(sumExact(live.map((b) => b.cost.perHour))),
      perMonth: roundMoney(sumExact(live.map((b) => b.cost.perMonth))),
      processes: inWindow.length,
      running: live.length,
    });
  }
  return out.sort((a, b) => b.perMonth - a.perMonth || a.currency.localeCompare(b.currency));
}

export function sumExact(values: readonly number[]): Dec {
  let acc = new D(0);
  for (const v of values) acc = acc.plus(v);
  return acc;
}
