import { createHash } from 'node:crypto';
import { type Finding, findingId } from '../model/finding.js';
import type { HostRef } from '../model/host.js';
import { maxSeverity } from '../model/severity.js';

/** Findings whose indicator is a pool (domain or address from the pool intel). */
const POOL_RULES = new Set([
  'net.pool-connection',
  'dns.pool-query',
  'wire.mining.pool-address',
  'wire.dns.pool-domain',
  'wire.mining.tls-pool',
  'cloud.dns.pool-query',
  'cloud.flow.pool-address',
]);
/** Findings whose source address is guessing credentials. */
const BRUTE_RULES = new Set([
  'ssh.brute-force',
  'ssh.slow-brute-force',
  'ssh.password-spray',
  'ssh.user-enumeration',
  'cloud.flow.admin-brute-force',
]);
const SHA256 = /^[0-9a-f]{64}$/;

// Event times come with any offset and precision; compare instants, not strings.
function later(a: string, b: string): boolean {
  return Date.parse(a) > Date.parse(b);
}

export type IndicatorKind = 'pool' | 'miner-hash' | 'brute-force';

export interface Indicator {
  kind: IndicatorKind;
  value: string;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= 512 ? v : undefined;
}

/** What a finding says that another host could also say: the pool it reached, the miner binary, the attacker. */
export function indicatorOf(f: Finding): Indicator | null {
  if (POOL_RULES.has(f.ruleId)) {
    const v = text(f.evidence.matched) ?? f.entity.name ?? f.entity.ip;
    return v ? { kind: 'pool', value: v.toLowerCase().replace(/\.$/, '') } : null;
  }
  if (BRUTE_RULES.has(f.ruleId)) return f.entity.ip ? { kind: 'brute-force', value: f.entity.ip } : null;
  if (f.ruleId.startsWith('miner.')) {
    const h = text(f.evidence.sha256) ?? text(f.evidence['process.sha256']);
    return h && SHA256.test(h.toLowerCase()) ? { kind: 'miner-hash', value: h.toLowerCase() } : null;
  }
  return null;
}

export interface FleetGroup {
  kind: IndicatorKind;
  value: string;
  /** Stable for the indicator: every host's fleet finding points at the same incident. */
  incidentId: string;
  hosts: Map<string, { host: HostRef; findings: string[]; lastTime: string; firstTime: string }>;
  severity: Finding['severity'];
  lastTime: string;
}

export function fleetIncidentId(kind: IndicatorKind, value: string): string {
  return `fi-${createHash('sha256').update(`${kind}\u0000${value}`).digest('hex').slice(0, 20)}`;
}

/** Groups findings by indicator and keeps the groups seen on at least `minHosts` hosts. */
export function groupByIndicator(findings: Iterable<Finding>, minHosts: number): FleetGroup[] {
  const groups = new Map<string, FleetGroup>();
  for (const f of findings) {
    const ind = indicatorOf(f);
    if (!ind) continue;
    const key = `${ind.kind}\u0000${ind.value}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        ...ind,
        incidentId: fleetIncidentId(ind.kind, ind.value),
        hosts: new Map(),
        severity: f.severity,
        lastTime: f.time,
      };
      groups.set(key, g);
    }
    g.severity = maxSeverity([g.severity, f.severity]) ?? g.severity;
    if (later(f.time, g.lastTime)) g.lastTime = f.time;
    const h = g.hosts.get(f.host.id);
    if (!h) g.hosts.set(f.host.id, { host: f.host, findings: [f.id], lastTime: f.time, firstTime: f.time });
    else {
      h.findings.push(f.id);
      if (later(f.time, h.lastTime)) h.lastTime = f.time;
      if (later(h.firstTime, f.time)) h.firstTime = f.time;
    }
  }
  return [...groups.values()].filter((g) => g.hosts.size >= minHosts);
}

const FLEET_RULE: Record<IndicatorKind, { ruleId: string; title: (v: string, n: number) => string }> = {
  pool: { ruleId: 'fleet.shared-pool', title: (v, n) => `Mining pool ${v} reached from ${n} hosts` },
  'miner-hash': {
    ruleId: 'fleet.shared-miner-hash',
    title: (v, n) => `The same miner binary (${v.slice(0, 12)}…) runs on ${n} hosts`,
  },
  'brute-force': { ruleId: 'fleet.brute-force-source', title: (v, n) => `${v} is brute-forcing ${n} hosts` },
};

/**
 * One finding per host of a group, all carrying the group's incident id: together they are the fleet incident,
 * and each host's page shows that it is part of a wider campaign. Ids are derived, so rerunning is idempotent.
 */
export function fleetFindings(g: FleetGroup): Finding[] {
  const meta = FLEET_RULE[g.kind];
  const hostNames = [...g.hosts.values()].map((h) => h.host.name).sort();
  const entity =
    g.kind === 'brute-force'
      ? { kind: 'source-ip' as const, ip: g.value }
      : g.kind === 'pool'
        ? { kind: 'connection' as const, name: g.value }
        : { kind: 'file' as const, name: g.value };
  return [...g.hosts.values()].map((h) => ({
    id: findingId(h.host.id, meta.ruleId, entity),
    ruleId: meta.ruleId,
    title: meta.title(g.value, g.hosts.size),
    // A campaign across hosts is at least high: one operator, one infrastructure, many victims.
    severity: maxSeverity([g.severity, 'high']) ?? 'high',
    confidence: 0.9,
    category: g.kind === 'brute-force' ? 'credential-access' : 'impact',
    techniques: g.kind === 'brute-force' ? ['T1110'] : ['T1496'],
    host: h.host,
    time: g.lastTime,
    entity,
    evidence: {
      indicator: g.kind,
      value: g.value,
      hostCount: g.hosts.size,
      hosts: hostNames,
      findings: h.findings,
    },
    recommendation:
      g.kind === 'brute-force'
        ? 'The address is on the fleet ban list; agents whose policy allows it ban it. Check every host it reached for successful logins.'
        : 'Treat every listed host as compromised by the same operator: stop the miner everywhere, block the pool fleet-wide, and find the shared entry point.',
    incidentId: g.incidentId,
  }));
}

export interface BanEntry {
  ip: string;
  hosts: string[];
  firstSeen: string;
  lastSeen: string;
  expiresAt: string;
  reason: string;
}

/** Addresses that brute-forced at least `minHosts` hosts and were last seen within `ttlMs` of `now`. */
export function banList(groups: readonly FleetGroup[], ttlMs: number, now: number): BanEntry[] {
  const out: BanEntry[] = [];
  for (const g of groups) {
    if (g.kind !== 'brute-force') continue;
    const expires = Date.parse(g.lastTime) + ttlMs;
    if (expires <= now) continue;
    const hs = [...g.hosts.values()];
    out.push({
      ip: g.value,
      hosts: hs.map((h) => h.host.name).sort(),
      firstSeen: hs.reduce((a, h) => (later(a, h.firstTime) ? h.firstTime : a), g.lastTime),
      lastSeen: g.lastTime,
      expiresAt: new Date(expires).toISOString(),
      reason: `brute-forced ${hs.length} hosts`,
    });
  }
  return out.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
}

const MINER_RULES = ['miner.cmdline', 'miner.behaviour', 'miner.cpu-sustained', 'miner.file'];

/** The rules whose findings feed correlation, for the store query (the miner.* rules that can carry a hash). */
export const CORRELATED_RULES: readonly string[] = [...POOL_RULES, ...BRUTE_RULES, ...MINER_RULES];
