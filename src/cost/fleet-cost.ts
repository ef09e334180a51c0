import { renderTable } from '../report/table.js';
import { type Burner, burners, type CurrencyTotals, type SeenFinding, totalsByCurrency } from './burn.js';
import { formatMoney, formatRate } from './money.js';

export interface HostCost {
  id: string;
  name: string;
  money: CurrencyTotals[];
}

export interface FleetCost {
  window: { from: string; to: string };
  generatedAt: string;
  /** The whole fleet per currency. */
  fleet: CurrencyTotals[];
  /** Hosts with mining seen in the window or now, the costliest per month first. */
  hosts: HostCost[];
}

/**
 * What mining costs a fleet, from stored findings: money in [from, to] (perHour x the time each process ran in
 * it), per hour now and per month if it keeps running, per host and in all, per currency. Each process once.
 */
export function fleetCost(
  findings: readonly SeenFinding[],
  hostNames: ReadonlyMap<string, string>,
  from: number,
  to: number,
  now: number,
): FleetCost {
  const bs = burners(findings, now);
  const byHost = new Map<string, Burner[]>();
  for (const b of bs) {
    const list = byHost.get(b.hostId);
    if (list) list.push(b);
    else byHost.set(b.hostId, [b]);
  }
  const hosts: HostCost[] = [];
  for (const [id, list] of byHost) {
    const money = totalsByCurrency(list, from, to);
    if (money.length) hosts.push({ id, name: hostNames.get(id) ?? id, money });
  }
  const top = (h: HostCost) => h.money[0]?.perMonth ?? 0;
  hosts.sort((a, b) => top(b) - top(a) || a.name.localeCompare(b.name));
  return {
    window: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
    generatedAt: new Date(now).toISOString(),
    fleet: totalsByCurrency(bs, from, to),
    hosts,
  };
}

function rows(name: string, money: readonly CurrencyTotals[]): string[][] {
  return money.map((m) => [
    name,
    formatMoney(m.burned, m.currency),
    formatRate(m.perHour, m.currency),
    formatMoney(m.perMonth, m.currency),
    `${m.running}/${m.processes}`,
  ]);
}

/** The fleet owner's view: the fleet's totals, then each host, per currency. */
export function renderFleetCostTable(c: FleetCost): string {
  const out = [`Mining cost of the fleet from ${c.window.from} to ${c.window.to}\n`];
  if (c.fleet.length === 0) {
    out.push('No mining process was seen in the window or is mining now.\n');
    return out.join('');
  }
  const head = ['', 'in window', 'per hour now', 'per month', 'mining now/seen'];
  out.push(renderTable(head, rows('fleet', c.fleet)));
  out.push('\nHosts\n');
  out.push(
    renderTable(
      ['host', ...head.slice(1)],
      c.hosts.flatMap((h) => rows(h.name, h.money)),
    ),
  );
  out.push(
    'in window: per hour x the time each process ran in it; per month: what the processes mining now cost in 730 h (docs/cost.md)\n',
  );
  return out.join('');
}
