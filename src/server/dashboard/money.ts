import { incidentCost } from '../../correlate/incident-cost.js';
import {
  type Burner,
  burnedExact,
  burners as costBurners,
  overlapHours,
  roundMoney,
  sumExact,
  totalsByCurrency,
} from '../../cost/burn.js';
import type { Incident } from '../../model/incident.js';
import type { Seen } from './classify.js';

export type { Burner } from '../../cost/burn.js';
export { type FleetCost, fleetCost } from '../../cost/fleet-cost.js';

const HOUR = 3_600_000;

/**
 * Mining processes from stored findings, each process (host, pid, start time) once: the counting rule lives in
 * src/cost/burn.ts, shared with the incident cost. A process seen in the last 15 minutes runs until now.
 */
export function burners(findings: readonly Seen[], now: number): Burner[] {
  return costBurners(findings, now);
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
  return totalsByCurrency(bs, midnight, now).map((t) => ({
    currency: t.currency,
    burnedToday: t.burned,
    perMonth: t.perMonth,
    perHour: t.perHour,
  }));
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
  const mine = bs.filter((b) => b.cost.currency === currency);
  const out: CostPoint[] = [];
  for (let i = hours - 1; i >= 0; i--) {
    const start = top - i * HOUR;
    const end = Math.min(start + HOUR, now);
    const span = (end - start) / HOUR;
    out.push({
      t: start / 1000,
      cost: roundMoney(burnedExact(mine, start, end)),
      cpu:
        span > 0
          ? Math.round(
              (sumExact(bs.map((b) => (b.cpuPercent ?? 0) * overlapHours(b, start, end))).toNumber() / span) *
                10,
            ) / 10
          : 0,
    });
  }
  return out;
}

/** An incident's cost from its stored findings, as of now (a process last seen long ago no longer costs per hour). */
export function incidentCostOf(
  incident: Incident,
  findings: readonly Seen[],
  now: number,
): Incident['cost'] | undefined {
  const mine = findings.filter(
    (s) => s.finding.incidentId === incident.id || incident.findings.includes(s.finding.id),
  );
  return incidentCost(mine, now) ?? incident.cost;
}
