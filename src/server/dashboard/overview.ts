import type { Incident } from '../../model/incident.js';
import { SEVERITIES, type Severity, severityRank } from '../../model/severity.js';
import {
  attackerIpOf,
  costOf,
  HOST_STATUSES,
  type HostStatus,
  hostStatus,
  isMinerFinding,
  poolsOf,
  type Seen,
} from './classify.js';
import { burners, type CostPoint, costSeries, type MoneySummary, moneyByCurrency } from './money.js';

export interface OverviewHostInput {
  id: string;
  name: string;
  liveness: 'alive' | 'dark' | 'unknown';
  lastSeen: string;
}

export interface HostRow {
  id: string;
  name: string;
  status: HostStatus;
  liveness: 'alive' | 'dark' | 'unknown';
  lastSeen: string;
  findings: number;
  worst: Severity | null;
  incidents: number;
  /** What the host's mining costs per hour now, in `currency` (null when nothing mines); currencies never mix. */
  costPerHour: number;
  currency: string | null;
}

export interface Ranked {
  key: string;
  hosts: number;
  findings: number;
}

export interface IncidentRow {
  id: string;
  hostId: string;
  hostName: string;
  severity: Severity;
  title: string;
  lastSeen: string;
  stages: string[];
}

export interface Overview {
  generatedAt: string;
  statusCounts: Record<HostStatus, number>;
  incidentsBySeverity: Record<Severity, number>;
  money: MoneySummary[];
  costSeries: { currency: string; points: CostPoint[] } | null;
  topPools: Ranked[];
  topAttackers: Ranked[];
  incidents: IncidentRow[];
  hosts: HostRow[];
  totals: { hosts: number; findings: number; incidents: number };
}

function rank(pairs: Iterable<[string, string]>, limit: number): Ranked[] {
  const by = new Map<string, { hosts: Set<string>; findings: number }>();
  for (const [key, host] of pairs) {
    const r = by.get(key) ?? { hosts: new Set<string>(), findings: 0 };
    r.hosts.add(host);
    r.findings++;
    by.set(key, r);
  }
  return [...by.entries()]
    .map(([key, r]) => ({ key, hosts: r.hosts.size, findings: r.findings }))
    .sort((a, b) => b.hosts - a.hosts || b.findings - a.findings || a.key.localeCompare(b.key))
    .slice(0, limit);
}

/** Everything the fleet page shows, computed once on the server so the browser only draws. */
export function buildOverview(
  hosts: readonly OverviewHostInput[],
  findings: readonly Seen[],
  incidents: readonly Incident[],
  now: number,
): Overview {
  const findingsByHost = new Map<string, Seen[]>();
  for (const s of findings) {
    const list = findingsByHost.get(s.finding.host.id);
    if (list) list.push(s);
    else findingsByHost.set(s.finding.host.id, [s]);
  }
  const incidentsByHost = new Map<string, Incident[]>();
  for (const i of incidents) {
    const list = incidentsByHost.get(i.host.id);
    if (list) list.push(i);
    else incidentsByHost.set(i.host.id, [i]);
  }

  const bs = burners(findings, now);
  // Per host and currency: a host's processes share its price, but a price change can leave two currencies.
  const perHourByHost = new Map<string, Map<string, number>>();
  for (const b of bs) {
    if (!b.now) continue;
    const byCurrency = perHourByHost.get(b.hostId) ?? new Map<string, number>();
    perHourByHost.set(b.hostId, byCurrency);
    byCurrency.set(b.cost.currency, (byCurrency.get(b.cost.currency) ?? 0) + b.cost.perHour);
  }
  /** The host's largest per-hour figure and its currency. */
  const hostCost = (id: string): { costPerHour: number; currency: string | null } => {
    let best: { costPerHour: number; currency: string | null } = { costPerHour: 0, currency: null };
    for (const [currency, v] of perHourByHost.get(id) ?? [])
      if (best.currency === null || v > best.costPerHour) best = { costPerHour: v, currency };
    return { costPerHour: Math.round(best.costPerHour * 1e6) / 1e6, currency: best.currency };
  };

  const statusCounts = Object.fromEntries(HOST_STATUSES.map((s) => [s, 0])) as Record<HostStatus, number>;
  const rows: HostRow[] = hosts.map((h) => {
    const fs = findingsByHost.get(h.id) ?? [];
    const is = incidentsByHost.get(h.id) ?? [];
    const status = hostStatus(h.liveness, fs, is, now);
    statusCounts[status]++;
    let worst: Severity | null = null;
    for (const s of fs)
      if (worst === null || severityRank(s.finding.severity) > severityRank(worst))
        worst = s.finding.severity;
    return {
      id: h.id,
      name: h.name,
      status,
      liveness: h.liveness,
      lastSeen: h.lastSeen,
      findings: fs.length,
      worst,
      incidents: is.length,
      ...hostCost(h.id),
    };
  });
  const order = (s: HostStatus) => HOST_STATUSES.indexOf(s);
  rows.sort(
    (a, b) =>
      order(a.status) - order(b.status) || b.costPerHour - a.costPerHour || a.name.localeCompare(b.name),
  );

  const incidentsBySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const i of incidents) incidentsBySeverity[i.severity]++;

  const money = moneyByCurrency(bs, now).sort((a, b) => b.perMonth - a.perMonth);
  const main = money[0]?.currency;
  const hostName = new Map(hosts.map((h) => [h.id, h.name]));

  return {
    generatedAt: new Date(now).toISOString(),
    statusCounts,
    incidentsBySeverity,
    money,
    costSeries: main ? { currency: main, points: costSeries(bs, main, now) } : null,
    topPools: rank(
      findings
        .filter((s) => isMinerFinding(s.finding) || costOf(s.finding))
        .flatMap((s) => poolsOf(s.finding).map((p): [string, string] => [p, s.finding.host.id])),
      10,
    ),
    topAttackers: rank(
      findings.flatMap((s) => {
        const ip = attackerIpOf(s.finding);
        return ip ? [[ip, s.finding.host.id] as [string, string]] : [];
      }),
      10,
    ),
    incidents: [...incidents]
      .sort(
        (a, b) => severityRank(b.severity) - severityRank(a.severity) || b.lastSeen.localeCompare(a.lastSeen),
      )
      .slice(0, 50)
      .map((i) => ({
        id: i.id,
        hostId: i.host.id,
        hostName: hostName.get(i.host.id) ?? i.host.name,
        severity: i.severity,
        title: i.title,
        lastSeen: i.lastSeen,
        stages: i.stages,
      })),
    hosts: rows,
    totals: { hosts: hosts.length, findings: findings.length, incidents: incidents.length },
  };
}
