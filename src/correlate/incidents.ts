import { createHash } from 'node:crypto';
import type { Finding } from '../model/finding.js';
import { type Incident, STAGES, type Stage } from '../model/incident.js';
import { maxSeverity, severityRank } from '../model/severity.js';
import { compareText } from '../util/compare.js';
import { attribute, type GroupProfile } from './attribution.js';
import { incidentCostOfScan } from './incident-cost.js';
import { STAGE_OF_CATEGORY } from './stages.js';

export interface ProcessLink {
  ppid: number;
  startTime?: string;
}

export interface CorrelateOptions {
  /** pid -> parent, from the snapshot; lets a dropper and the miner it started share an incident. */
  processes?: ReadonlyMap<number, ProcessLink>;
  /** Findings at or below this severity never open an incident on their own. Default 'low'. */
  minSeverity?: Finding['severity'];
  /** Threat-group profiles to attribute each incident against; none means every incident is unattributed. */
  profiles?: readonly GroupProfile[];
}

// Parents that many unrelated processes share; walking through them would glue the whole host into one incident.
const SHARED_PARENT_PIDS = new Set([0, 1, 2]);
const MAX_ANCESTRY = 16;

class UnionFind {
  private readonly parent: number[];
  constructor(n: number) {
    this.parent = Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    let r = i;
    while (this.parent[r] !== r) r = this.parent[r] ?? r;
    let c = i;
    while (this.parent[c] !== r) {
      const next = this.parent[c] ?? r;
      this.parent[c] = r;
      c = next;
    }
    return r;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

const SYSTEM_DIRS = /^\/(usr|bin|sbin|lib|lib64|etc)\//;

/**
 * Keys that tie findings to the same intrusion: the process; a file outside the system directories, whether as the
 * executable, as the finding's own path or named in `evidence.paths` (e.g. the binary a cron line starts); a file in
 * a system directory only as the finding's own path; a remote address.
 */
function linkKeys(f: Finding): string[] {
  const e = f.entity;
  const keys: string[] = [];
  if (e.pid !== undefined) keys.push(`pid:${e.pid}:${e.startTime ?? ''}`);
  const related = Array.isArray(f.evidence.paths) ? f.evidence.paths : [];
  for (const p of [e.exe, ...related])
    if (typeof p === 'string' && p && !SYSTEM_DIRS.test(p)) keys.push(`file:${p}`);
  if (e.path) keys.push(`file:${e.path}`);
  if (e.ip && e.kind !== 'source-ip') keys.push(`ip:${e.ip}`);
  if (e.kind === 'source-ip' && e.ip) keys.push(`src:${e.ip}`);
  return keys;
}

/**
 * The nearest ancestor of `pid` that has a finding of at least medium severity, not walking through init: a low
 * finding on a shared parent (an sshd running a deleted binary after an upgrade) must not merge its whole subtree.
 */
function ancestorWithFinding(
  pid: number,
  withFindings: ReadonlyMap<number, number>,
  procs: ReadonlyMap<number, ProcessLink>,
): number | undefined {
  let cur: number | undefined = procs.get(pid)?.ppid;
  for (let depth = 0; cur !== undefined && depth < MAX_ANCESTRY; depth++) {
    if (SHARED_PARENT_PIDS.has(cur)) return undefined;
    const idx = withFindings.get(cur);
    if (idx !== undefined) return idx;
    cur = procs.get(cur)?.ppid;
  }
  return undefined;
}

function title(group: readonly Finding[], hostName: string): string {
  const impact = group.find((f) => f.category === 'impact') ?? group.find((f) => f.entity.kind === 'process');
  const what = impact?.entity.exe ?? impact?.entity.name ?? impact?.entity.ip ?? impact?.entity.path;
  const label = group.some((f) => f.techniques.includes('T1496')) ? 'Cryptomining' : 'Suspicious activity';
  return what
    ? `${label} on ${hostName}: ${what}${impact?.entity.pid !== undefined ? ` (pid ${impact.entity.pid})` : ''}`
    : `${label} on ${hostName}`;
}

function entryPoint(group: readonly Finding[]): string | null {
  const access = group
    .filter((f) => f.category === 'initial-access')
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || compareText(a.time, b.time))[0];
  if (!access) return null;
  const where = access.entity.ip ? ` from ${access.entity.ip}` : '';
  return `${access.title}${where} at ${access.time}`;
}

/**
 * Groups one host's findings into incidents: findings that share a process, an executable outside the system
 * directories, a remote address or a file, or whose processes descend from one another, belong to one intrusion.
 * Pure: the same findings give the same incidents and ids. Sets `incidentId` on every finding it groups.
 */
export function correlateIncidents(findings: Finding[], opts: CorrelateOptions = {}): Incident[] {
  const procs = opts.processes ?? new Map<number, ProcessLink>();
  const min = severityRank(opts.minSeverity ?? 'low');
  const uf = new UnionFind(findings.length);
  const firstByKey = new Map<string, number>();
  const byPid = new Map<number, number>();
  findings.forEach((f, i) => {
    for (const k of linkKeys(f)) {
      const seen = firstByKey.get(k);
      if (seen === undefined) firstByKey.set(k, i);
      else uf.union(seen, i);
    }
    if (f.entity.pid !== undefined && severityRank(f.severity) >= 2 && !byPid.has(f.entity.pid))
      byPid.set(f.entity.pid, i);
  });
  findings.forEach((f, i) => {
    if (f.entity.pid === undefined) return;
    const anc = ancestorWithFinding(f.entity.pid, byPid, procs);
    if (anc !== undefined) uf.union(anc, i);
  });

  const groups = new Map<number, Finding[]>();
  findings.forEach((f, i) => {
    const r = uf.find(i);
    const g = groups.get(r);
    if (g) g.push(f);
    else groups.set(r, [f]);
  });

  const incidents: Incident[] = [];
  for (const group of groups.values()) {
    if (!group.some((f) => severityRank(f.severity) > min && STAGE_OF_CATEGORY[f.category] !== null))
      continue;
    const ordered = [...group].sort((a, b) => compareText(a.time, b.time));
    const stageSet = new Set<Stage>();
    for (const f of ordered) {
      const s = STAGE_OF_CATEGORY[f.category];
      if (s) stageSet.add(s);
    }
    const host = ordered[0]!.host;
    const ids = ordered.map((f) => f.id);
    const anchor = [...ids].sort()[0] ?? '';
    const id = `i-${createHash('sha256').update(`${host.id}\u0000${anchor}`).digest('hex').slice(0, 20)}`;
    for (const f of group) f.incidentId = id;
    const cost = incidentCostOfScan(group);
    incidents.push({
      id,
      host,
      severity: maxSeverity(group.map((f) => f.severity)) ?? 'info',
      title: title(group, host.name),
      firstSeen: ordered[0]!.time,
      lastSeen: ordered[ordered.length - 1]!.time,
      stages: STAGES.filter((s) => stageSet.has(s)),
      entryPoint: entryPoint(group),
      attribution: opts.profiles ? attribute(group, opts.profiles) : [],
      findings: ids,
      ...(cost ? { cost } : {}),
    });
  }
  return incidents.sort(
    (a, b) => severityRank(b.severity) - severityRank(a.severity) || compareText(a.firstSeen, b.firstSeen),
  );
}
