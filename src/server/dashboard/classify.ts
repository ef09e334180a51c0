import { cpuPercentOfCost, MINING_NOW_MS, readCost } from '../../cost/burn.js';
import type { Finding } from '../../model/finding.js';
import type { Incident } from '../../model/incident.js';
import { atLeast } from '../../model/severity.js';

export const HOST_STATUSES = ['mining', 'dark', 'compromised', 'exposed', 'clean'] as const;
export type HostStatus = (typeof HOST_STATUSES)[number];

// One "mining now" and one reading of cost evidence for the status, the money and the incident cost.
export { MINING_NOW_MS };

export interface Seen {
  finding: Finding;
  firstSeen: string;
  lastSeen: string;
}

export function isMinerFinding(f: Finding): boolean {
  return (
    f.ruleId.startsWith('miner.') ||
    f.ruleId === 'net.miner-port' ||
    f.ruleId === 'net.pool-connection' ||
    f.evidence.cost !== undefined
  );
}

export function isPostureFinding(f: Finding): boolean {
  return f.category === 'posture' || f.category === 'vulnerability';
}

/**
 * One status per host, the most urgent first: a host burning money now outranks a silent agent, which outranks an
 * intrusion seen earlier, which outranks a door left open. A dark agent ranks high because attackers kill agents.
 */
export function hostStatus(
  liveness: 'alive' | 'dark' | 'unknown',
  findings: readonly Seen[],
  incidents: readonly Incident[],
  now: number,
): HostStatus {
  if (findings.some((s) => isMinerFinding(s.finding) && now - Date.parse(s.lastSeen) <= MINING_NOW_MS))
    return 'mining';
  if (liveness === 'dark') return 'dark';
  if (incidents.some((i) => atLeast(i.severity, 'high'))) return 'compromised';
  if (findings.some((s) => isPostureFinding(s.finding) && atLeast(s.finding.severity, 'medium')))
    return 'exposed';
  return 'clean';
}

export interface CostFigures {
  currency: string;
  perHour: number;
  perMonth: number;
}

/** The cost evidence the cost module attaches (src/cost/enrich.ts), read defensively: it arrived over the wire. */
export function costOf(f: Finding): CostFigures | null {
  return readCost(f);
}

export function cpuPercentOf(f: Finding): number | null {
  return cpuPercentOfCost(f);
}

const STRATUM = /(?:stratum2?\+(?:tcp|ssl|tls):\/\/|\s-o\s+|--url[=\s]+)(?:[^@\s]+@)?(\[?[^\s/\]]+\]?:\d+)/gi;

/** Pool endpoints a finding names: a pool connection, a miner port, or the pool in a miner's command line. */
export function poolsOf(f: Finding): string[] {
  const out = new Set<string>();
  const ev = f.evidence;
  if (f.ruleId === 'net.pool-connection' || f.ruleId === 'net.miner-port') {
    const host = typeof ev.hostname === 'string' ? ev.hostname : (f.entity.name ?? f.entity.ip);
    if (host) out.add(f.entity.port !== undefined ? `${host}:${f.entity.port}` : host);
  }
  if (typeof ev.commandLine === 'string')
    for (const m of ev.commandLine.matchAll(STRATUM)) if (m[1]) out.add(m[1].toLowerCase());
  return [...out];
}

/** Addresses that attacked a host (brute force, exploitation), not the host's own clients. */
export function attackerIpOf(f: Finding): string | null {
  if (f.entity.kind !== 'source-ip' || !f.entity.ip) return null;
  return f.category === 'initial-access' || f.category === 'credential-access' ? f.entity.ip : null;
}
