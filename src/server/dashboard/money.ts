import { MONEY_DP, roundTo, sum } from '../../cost/money.js';
import { type CostFigures, costOf, cpuPercentOf, MINING_NOW_MS, type Seen } from './classify.js';

const HOUR = 3_600_000;

/** One mining process as the cost evidence prices it, with the span it was seen running. */
export interface Burner {
  hostId: string;
  cost: CostFigures;
  /** Percent of one core the cost evidence was priced from (null when it was an average since start). */
  cpuPercent: number | null;
  from: number;
  to: number;
  now: boolean;
}

/**
 * Several findings describe the same process (command line, pool, CPU); each carries the same cost evidence, so a
 * process is counted once, keyed by host, pid and start time.
 */
export function burners(findings: readonly Seen[], now: number): Burner[] {
  const byProcess = new Map<string, Burner>();
  for (const s of findings) {
    const cost = costOf(s.finding);
    if (!cost) continue;
    const e = s.finding.entity;
    const key = `${s.finding.host.id}\u0000${e.pid ?? s.finding.id}\u0000${e.startTime ?? ''}`;
    const last = Date.parse(s.lastSeen);
    const running = now - last <= MINING_NOW_MS;
    const b: Burner = {
      hostId: s.finding.host.id,
      cost,
      cpuPercent: cpuPercentOf(s.finding),
      from: Date.parse(s.firstSeen),
      // Still running: it has burned until now, not only until the last scan saw it.
      to: running ? now : last,
      now: running,
    };
    const prev = byProcess.get(key);
    if (!prev || b.to > prev.to) byProcess.set(key, b);
  }
  return [...byProcess.values()].filter((b) => Number.isFinite(b.from) && Number.isFinite(b.to));
}

function overlapHours(b: Burner, start: number, end: number): number {
  return Math.max(0, Math.min(b.to, end) - Math.max(b.from, start)) / HOUR;
}

export interface MoneySummary {
  currency: string;
  /** Spent since midnight UTC by processes seen mining today. */
  burnedToday: number;
  /** What the processes mining now would cost in a month (perMonth of the cost evidence). */
  perMonth: number;
  perHour: number;
}

export function moneyByCurrency(bs: readonly Burner[], now: number): MoneySummary[] {
  const midnight = new Date(now).setUTCHours(0, 0, 0, 0);
  const groups = new Map<string, Burner[]>();
  for (const b of bs) groups.set(b.cost.currency, [...(groups.get(b.cost.currency) ?? []), b]);
  return [...groups.entries()].map(([currency, list]) => {
    const live = list.filter((b) => b.now);
    return {
      currency,
      burnedToday: roundTo(sum(list.map((b) => b.cost.perHour * overlapHours(b, midnight, now))), MONEY_DP),
      perMonth: roundTo(sum(live.map((b) => b.cost.perMonth)), MONEY_DP),
      perHour: roundTo(sum(live.map((b) => b.cost.perHour)), MONEY_DP),
    };
  });
}

export interface CostPoint {
  /** Start of the hour, epoch seconds (what the chart library takes). */
  t: number;
  cost: number;
  /** Mean CPU of the mining processes over the hour, in percent of one core. */
  cpu: number;
}

/** Money burned in each of the last `hours` hours, in one currency: each burner contributes perHour x its overlap. */
export function costSeries(bs: readonly Burner[], currency: string, now: number, hours = 24): CostPoint[] {
  const top = Math.floor(now / HOUR) * HOUR;
  const out: CostPoint[] = [];
  for (let i = hours - 1; i >= 0; i--) {
    const start = top - i * HOUR;
    const end = Math.min(start + HOUR, now);
    const mine = bs.filter((b) => b.cost.currency === currency);
    const span = (end - start) / HOUR;
    out.push({
      t: start / 1000,
      cost: roundTo(sum(mine.map((b) => b.cost.perHour * overlapHours(b, start, end))), MONEY_DP),
      cpu:
        span > 0
          ? Math.round((sum(bs.map((b) => (b.cpuPercent ?? 0) * overlapHours(b, start, end))) / span) * 10) /
            10
          : 0,
    });
  }
  return out;
}
