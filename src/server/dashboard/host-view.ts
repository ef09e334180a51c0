import type { Finding } from '../../model/finding.js';
import type { Incident } from '../../model/incident.js';
import type { Inventory } from '../../store/types.js';
import { costOf, cpuPercentOf, type HostStatus, isPostureFinding, type Seen } from './classify.js';
import { burners, type CostPoint, costSeries } from './money.js';
import { postureScore } from './posture-view.js';

export interface ProcessRow {
  pid: number;
  startTime: string | null;
  exe: string | null;
  cpuPercent: number | null;
  costPerHour: number | null;
  currency: string | null;
  rules: string[];
  worst: Finding['severity'];
}

export interface ListenerRow {
  transport: 'tcp' | 'udp';
  ip: string;
  port: number;
  scope: string;
  process: string | null;
  /** Wildcard or public address: reachable from beyond this host unless a firewall says otherwise. */
  exposed: boolean;
  weaknesses: string[];
}

export interface KevPackage {
  name: string;
  version: string | null;
  ids: string[];
  kev: boolean;
  severity: Finding['severity'];
}

export interface HostView {
  status: HostStatus;
  processes: ProcessRow[];
  listeners: ListenerRow[];
  packages: KevPackage[];
  postureScore: number;
  costSeries: { currency: string; points: CostPoint[] } | null;
  inventoryTime: string | null;
}

const RANK = { info: 0, low: 1, medium: 2, high: 3, critical: 4 } as const;

/** Processes the findings name, busiest first; the agent ships findings, not a full process table. */
function processRows(findings: readonly Seen[]): ProcessRow[] {
  const by = new Map<string, ProcessRow>();
  for (const { finding: f } of findings) {
    if (f.entity.pid === undefined) continue;
    const key = `${f.entity.pid}\u0000${f.entity.startTime ?? ''}`;
    const cost = costOf(f);
    const cpu = cpuPercentOf(f);
    const row = by.get(key) ?? {
      pid: f.entity.pid,
      startTime: f.entity.startTime ?? null,
      exe: f.entity.exe ?? null,
      cpuPercent: null,
      costPerHour: null,
      currency: null,
      rules: [],
      worst: f.severity,
    };
    if (!row.rules.includes(f.ruleId)) row.rules.push(f.ruleId);
    if (RANK[f.severity] > RANK[row.worst]) row.worst = f.severity;
    if (cpu !== null) row.cpuPercent = Math.max(row.cpuPercent ?? 0, cpu);
    if (cost) {
      row.costPerHour = cost.perHour;
      row.currency = cost.currency;
    }
    by.set(key, row);
  }
  return [...by.values()].sort(
    (a, b) => (b.cpuPercent ?? -1) - (a.cpuPercent ?? -1) || RANK[b.worst] - RANK[a.worst] || a.pid - b.pid,
  );
}

// Bind scopes from src/model/inventory.ts: only loopback stays on the host.
const LOCAL_SCOPES = new Set(['loopback']);

function listenerRows(inv: Inventory | null, findings: readonly Seen[]): ListenerRow[] {
  if (!inv) return [];
  const posture = findings.filter((s) => isPostureFinding(s.finding)).map((s) => s.finding);
  return inv.listeners
    .map((l) => ({
      transport: l.transport,
      ip: l.ip,
      port: l.port,
      scope: l.scope,
      process: l.process ?? null,
      exposed: !LOCAL_SCOPES.has(l.scope),
      weaknesses: posture.filter((f) => f.entity.port === l.port).map((f) => f.ruleId),
    }))
    .sort((a, b) => Number(b.exposed) - Number(a.exposed) || a.port - b.port);
}

function kevPackages(findings: readonly Seen[]): KevPackage[] {
  return findings
    .map((s) => s.finding)
    .filter((f) => f.category === 'vulnerability' || f.ruleId === 'posture.vuln.package')
    .map((f) => {
      const ev = f.evidence;
      const ids = Array.isArray(ev.ids) ? ev.ids.filter((x): x is string => typeof x === 'string') : [];
      return {
        name: typeof ev.package === 'string' ? ev.package : (f.entity.name ?? f.title),
        version: typeof ev.installed === 'string' ? ev.installed : null,
        ids: ids.length ? ids : [ev.cve, ev.advisory].filter((x): x is string => typeof x === 'string'),
        kev: Boolean(ev.kev),
        severity: f.severity,
      };
    })
    .sort((a, b) => Number(b.kev) - Number(a.kev) || RANK[b.severity] - RANK[a.severity]);
}

export function buildHostView(
  status: HostStatus,
  findings: readonly Seen[],
  _incidents: readonly Incident[],
  inventory: Inventory | null,
  now: number,
): HostView {
  const bs = burners(findings, now);
  const currency = bs[0]?.cost.currency;
  return {
    status,
    processes: processRows(findings),
    listeners: listenerRows(inventory, findings),
    packages: kevPackages(findings),
    postureScore: postureScore(findings.map((s) => s.finding).filter(isPostureFinding)),
    costSeries: currency ? { currency, points: costSeries(bs, currency, now) } : null,
    inventoryTime: inventory?.time ?? null,
  };
}
