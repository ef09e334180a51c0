import { type Burner, burners, roundMoney, type SeenFinding, sumExact } from '../cost/burn.js';
import type { Finding } from '../model/finding.js';
import type { IncidentCost } from '../model/incident.js';

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * What an incident's mining has cost: its findings' cost evidence, each process (host, pid, start time) once with
 * its newest figures. Money so far is the sum of each process's `sinceStart` (CPU since it started, priced), so a
 * miner restarted under a new pid adds its own; per hour and per month count only the processes mining now (with
 * `now`: seen within 15 minutes; without, as a single scan sees them: all). Currencies are kept apart. An incident
 * without priced findings has no cost (undefined).
 */
export function incidentCost(findings: readonly SeenFinding[], now: number | null): IncidentCost | undefined {
  const bs = burners(findings, now);
  if (bs.length === 0) return undefined;
  const byCurrency = new Map<string, Burner[]>();
  for (const b of bs) {
    const list = byCurrency.get(b.cost.currency);
    if (list) list.push(b);
    else byCurrency.set(b.cost.currency, [b]);
  }
  const money = [...byCurrency.entries()].map(([currency, list]) => {
    const live = list.filter((b) => b.now);
    return {
      currency,
      spent: roundMoney(sumExact(list.map((b) => b.cost.sinceStart ?? 0))),
      perHour: roundMoney(sumExact(live.map((b) => b.cost.perHour))),
      perMonth: roundMoney(sumExact(live.map((b) => b.cost.perMonth))),
      processes: list.length,
      running: live.length,
    };
  });
  money.sort((a, b) => b.spent - a.spent || a.currency.localeCompare(b.currency));
  const cpu = bs.map((b) => b.cost.cpuSeconds).filter((c): c is number => c !== null);
  const starts = bs.map((b) => b.startTime).filter((t): t is number => t !== null);
  return {
    firstSeen: iso(Math.min(...bs.map((b) => b.from))),
    lastSeen: iso(Math.max(...bs.map((b) => b.lastSeen))),
    ...(starts.length ? { startedAt: iso(Math.min(...starts)) } : {}),
    processes: bs.length,
    running: bs.filter((b) => b.now).length,
    cpuSeconds: cpu.length ? sumExact(cpu).toNumber() : null,
    money,
  };
}

/** A scan's findings as seen once, at their own time: what `correlateIncidents` prices. */
export function incidentCostOfScan(group: readonly Finding[]): IncidentCost | undefined {
  return incidentCost(
    group.map((finding) => ({ finding, firstSeen: finding.time, lastSeen: finding.time })),
    null,
  );
}
