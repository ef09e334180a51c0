import type { PoolIntel } from '../intel/pools/pool-intel.js';
import type { Finding } from '../model/finding.js';
import { banDuration } from './actions/ban.js';
import { planKill } from './actions/kill.js';
import { identityMismatch, type ProcessIdentity, readIdentity } from './identity.js';
import { findPersistence } from './persistence/find.js';
import { indicatorsFor } from './persistence/indicators.js';
import { decide, type Policy, type RuleDecision } from './policy.js';
import type { SafetyGuard } from './safety.js';
import type { ActionKind, PlannedAction } from './types.js';

export interface PlanInput {
  findings: readonly Finding[];
  incidentId?: string;
  /** Processes the operator named (`--pid`): planned even when no rule fires for them. */
  pids?: readonly number[];
  policy: Policy;
  procDir: string;
  root: string;
  safety: SafetyGuard;
  /** How many times an address was banned before (the journal answers); grows the ban time. */
  priorBans?: (addr: string) => number;
  /** Rule ids forced into simulation from the command line. */
  simulateRules?: readonly string[];
  poolIntel?: PoolIntel;
  now?: () => number;
}

export interface Refusal {
  kind: ActionKind;
  target: string;
  reason: string;
  findingIds: string[];
}

export interface Plan {
  actions: PlannedAction[];
  refused: Refusal[];
  /** Things the plan cannot do itself but a person should know (pool domains for DNS sinkholes, say). */
  notes: string[];
  /**
   * Pool names a block step wanted but a packet filter cannot take as names. `resolvePlanDomains`
   * (resolve-pools.ts) turns them into block steps of their addresses; callers that skip it keep the notes.
   */
  poolDomains?: PoolDomainRequest[];
}

/** One pool name waiting for resolution: the block step it becomes, minus its addresses. */
export interface PoolDomainRequest {
  name: string;
  /** The intel indicator that lists it, when one does. */
  listed: string | null;
  step: Omit<PlannedAction, 'target' | 'summary' | 'reason' | 'needsConfirmation' | 'reversible' | 'params'>;
  timeoutSec: number | null;
  /** Rule ids of the findings that named it. */
  sources: string[];
  /** The note buildPlan wrote for it (replaced once the name is resolved). */
  note: string;
}

const OPERATOR = 'operator';

function describe(p: ProcessIdentity): string {
  return `pid ${p.pid} (${p.exe ?? 'no exe'})`;
}

/** `1.2.3.4:3333` or `[::1]:3333` -> the address. */
function addrOf(remote: unknown): string | null {
  if (typeof remote !== 'string') return null;
  const m = /^\[?([0-9a-fA-F:.]+?)\]?:\d+$/.exec(remote);
  return m?.[1] ?? null;
}

function stratumHosts(findings: readonly Finding[]): string[] {
  const out: string[] = [];
  for (const f of findings) {
    const cmd = f.evidence.commandLine;
    if (typeof cmd !== 'string') continue;
    for (const m of cmd.matchAll(
      /(?:stratum2?\+(?:tcp|ssl|tls):\/\/|\s-o\s+|--url[=\s]+)(?:[^@\s]+@)?\[?([^\s/:\]]+)\]?:\d+/gi,
    ))
      if (m[1]) out.push(m[1].toLowerCase());
  }
  return out;
}

const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]+:[0-9a-f:]*)$/i;

/** Pool names other findings carry: a DNS query that matched a pool domain, a TLS SNI, a wire finding's pool. */
function evidenceNames(f: Finding): string[] {
  const e = f.evidence;
  const out: string[] = [];
  if (typeof e['query'] === 'string' && e['matchKind'] === 'domain') out.push(e['query']);
  if (typeof e['sni'] === 'string') out.push(e['sni']);
  const pool = e['pool'];
  if (pool && typeof pool === 'object' && typeof (pool as Record<string, unknown>)['name'] === 'string')
    out.push((pool as Record<string, string>)['name']!);
  return out.map((n) => n.toLowerCase().replace(/\.$/, '')).filter((n) => n && !IP_LITERAL.test(n));
}

interface Group {
  key: string;
  findings: Finding[];
  identity: ProcessIdentity | null;
  expected: { pid: number; startTime: number | null; exe: string | null };
  operator: boolean;
}

function processGroups(input: PlanInput): Group[] {
  const groups = new Map<string, Group>();
  for (const f of input.findings) {
    if (f.entity.kind !== 'process' || f.entity.pid === undefined) continue;
    const key = `${f.entity.pid}:${f.entity.startTime ?? ''}`;
    let g = groups.get(key);
    if (!g) {
      const startTime = f.entity.startTime ? Date.parse(f.entity.startTime) : null;
      g = {
        key,
        findings: [],
        identity: readIdentity(input.procDir, f.entity.pid),
        expected: { pid: f.entity.pid, startTime, exe: f.entity.exe ?? null },
        operator: false,
      };
      groups.set(key, g);
    }
    g.findings.push(f);
  }
  for (const pid of input.pids ?? []) {
    const existing = [...groups.values()].find((g) => g.expected.pid === pid);
    if (existing) {
      existing.operator = true;
      continue;
    }
    const identity = readIdentity(input.procDir, pid);
    groups.set(`${pid}:op`, {
      key: `${pid}:op`,
      findings: [],
      identity,
      expected: { pid, startTime: identity?.startTime ?? null, exe: identity?.exe ?? null },
      operator: true,
    });
  }
  return [...groups.values()];
}

/**
 * Findings (and operator-named pids) in, an ordered plan out: quarantine before kill (a watchdog cannot relaunch a
 * binary that is gone), then persistence, then blocks and bans. Reads only; nothing is touched here.
 */
export function buildPlan(input: PlanInput): Plan {
  const plan: Plan = { actions: [], refused: [], notes: [] };
  const simulated = new Set(input.simulateRules ?? []);
  const base = (kind: ActionKind, d: RuleDecision | null, findings: readonly Finding[]) => ({
    kind,
    findingIds: [...new Set(findings.map((f) => f.id))],
    ...(input.incidentId ? { incidentId: input.incidentId } : {}),
    ruleId: d?.rule.id ?? OPERATOR,
    simulate: d ? d.rule.mode === 'simulate' || simulated.has(d.rule.id) : false,
  });
  const refuse = (kind: ActionKind, target: string, reason: string, findings: readonly Finding[]): void => {
    plan.refused.push({ kind, target, reason, findingIds: findings.map((f) => f.id) });
  };

  const targets: Array<{ id: ProcessIdentity; group: Group; decisions: Map<ActionKind, RuleDecision> }> = [];
  const unpersistFindings: Finding[] = [];
  let unpersistDecision: RuleDecision | null = null;
  let unpersistWanted = false;
  const blockAddrs = new Map<string, Finding[]>();
  let blockDecision: RuleDecision | null = null;
  const domains = new Map<string, { req: PoolDomainRequest; findings: Finding[]; d: RuleDecision }>();
  const addDomain = (name: string, findings: readonly Finding[], d: RuleDecision): void => {
    const seen = domains.get(name);
    if (seen) {
      seen.findings.push(...findings);
      seen.req.step = base('block', seen.d, seen.findings);
      seen.req.sources = [...new Set(seen.findings.map((f) => f.ruleId))];
      return;
    }
    const hit = input.poolIntel?.lookupDomain(name);
    const req: PoolDomainRequest = {
      name,
      listed: hit?.indicator ?? null,
      step: base('block', d, findings),
      timeoutSec: d.rule.duration ?? null,
      sources: [...new Set(findings.map((f) => f.ruleId))],
      note:
        `pool domain ${name}${hit ? ` (listed: ${hit.indicator})` : ''}: firewalls block addresses, not names; ` +
        'use `minewarden block export` for a DNS sinkhole',
    };
    domains.set(name, { req, findings: [...findings], d });
  };

  for (const g of processGroups(input)) {
    const decisions = decide(input.policy, g.findings);
    const wantsKill = decisions.has('kill') || g.operator;
    const target = g.identity ? describe(g.identity) : `pid ${g.expected.pid}`;
    if (wantsKill) {
      const changed =
        g.expected.startTime === null
          ? g.identity
            ? null
            : `pid ${g.expected.pid} is gone`
          : identityMismatch({ ...g.expected, startTime: g.expected.startTime }, g.identity);
      const unsafe = changed ? null : input.safety.checkProcess(g.identity!);
      if (changed || unsafe)
        refuse('kill', target, changed ? `identity changed: ${changed}` : unsafe!, g.findings);
      else targets.push({ id: g.identity!, group: g, decisions });
    }
    const up = decisions.get('unpersist');
    if (up || g.operator) {
      unpersistWanted = true;
      unpersistDecision ??= up ?? null;
      unpersistFindings.push(...g.findings);
    }
    const bd = decisions.get('block');
    if (bd) {
      blockDecision ??= bd;
      for (const f of g.findings) {
        const a = f.ruleId.startsWith('net.') ? addrOf(f.evidence.remote) : null;
        if (a) blockAddrs.set(a, [...(blockAddrs.get(a) ?? []), f]);
      }
      for (const h of stratumHosts(g.findings)) {
        if (IP_LITERAL.test(h)) blockAddrs.set(h, [...(blockAddrs.get(h) ?? []), ...g.findings]);
        else addDomain(h, g.findings, bd);
      }
      for (const f of g.findings) for (const h of evidenceNames(f)) addDomain(h, [f], bd);
    }
  }
  // A DNS query or an SNI seen without a process (a resolver log, a capture) names its pool only by name.
  for (const f of input.findings) {
    if (f.entity.kind === 'process' && f.entity.pid !== undefined) continue;
    const names = evidenceNames(f);
    const bd = names.length > 0 ? decide(input.policy, [f]).get('block') : undefined;
    if (bd) for (const h of names) addDomain(h, [f], bd);
  }
  for (const d of domains.values()) plan.notes.push(d.req.note);
  if (domains.size > 0) plan.poolDomains = [...domains.values()].map((d) => d.req);

  // A target inside another target's tree dies with it; plan each tree once.
  const treeOf = new Map(targets.map((t) => [t.id.pid, planKill(input.procDir, t.id)]));
  const covered = new Set([...treeOf.values()].flatMap((k) => k.plannedTree.map((p) => p.pid)));
  const roots = targets.filter((t) => !covered.has(t.id.pid));

  const quarantined = new Set<string>();
  for (const t of roots) {
    const kill = treeOf.get(t.id.pid)!;
    const kd = t.decisions.get('kill') ?? null;
    const qd = t.decisions.get('quarantine') ?? null;
    if (t.id.exe && (qd || t.group.operator) && !quarantined.has(t.id.exe)) {
      quarantined.add(t.id.exe);
      plan.actions.push({
        ...base('quarantine', qd, t.group.findings),
        target: t.id.exe,
        summary: `move ${t.id.exe} into quarantine (root-only, with sha256 and metadata)`,
        reason: qd ? `policy rule ${qd.rule.id}` : 'requested by the operator',
        needsConfirmation: false,
        reversible: true,
        params: {
          path: t.id.exe,
          process: kill.process,
          treePids: [t.id.pid, ...kill.plannedTree.map((p) => p.pid)],
        },
      });
    }
    plan.actions.push({
      ...base('kill', kd, t.group.findings),
      target: describe(t.id),
      summary: `suspend and kill ${describe(t.id)} and ${kill.plannedTree.length} descendant(s)`,
      reason: kd ? `policy rule ${kd.rule.id}` : 'requested by the operator',
      needsConfirmation: false,
      reversible: false,
      params: kill,
    });
  }

  if (unpersistWanted) {
    const startMs = Math.min(...targets.map((t) => t.id.startTime), (input.now ?? Date.now)());
    const ind = indicatorsFor(
      targets.map((t) => t.id.exe).filter((e): e is string => !!e),
      unpersistFindings,
      targets.map((t) => t.id.args),
    );
    const confirm = new Set(unpersistDecision?.rule.confirm ?? ['authorized_keys']);
    const entries = findPersistence(input.root, ind, {
      allowed: input.policy.allow.sshKeys,
      denied: input.policy.deny.sshKeys,
      windowStartMs: startMs - input.policy.persistence.keyWindow * 1000,
    });
    for (const e of entries) {
      const what =
        e.mode === 'file'
          ? `remove ${e.path}${e.symlinks.length ? ` and ${e.symlinks.length} enabling symlink(s)` : ''}`
          : `remove line${e.lines.length > 1 ? 's' : ''} ${e.lines.map((l) => l.n).join(', ')} of ${e.path}`;
      plan.actions.push({
        ...base('unpersist', unpersistDecision, unpersistFindings),
        target: e.path,
        summary: `${what} (${e.kind}; backed up, restorable)`,
        reason: e.why,
        needsConfirmation: confirm.has(e.kind),
        reversible: true,
        params: { ...e, needsConfirmation: confirm.has(e.kind) },
      });
    }
  }

  const addrs: string[] = [];
  for (const [a, fs] of blockAddrs) {
    const why = input.safety.checkAddress(a);
    if (why) refuse('block', a, why, fs);
    else addrs.push(a);
  }
  if (addrs.length > 0) {
    const findings = [...new Set([...blockAddrs.values()].flat())];
    const timeoutSec = blockDecision?.rule.duration ?? null;
    plan.actions.push({
      ...base('block', blockDecision, findings),
      target: addrs.join(', '),
      summary: `block outbound to ${addrs.join(', ')} (set pool) ${timeoutSec ? `for ${timeoutSec}s` : 'until undone'}`,
      reason: `pool address seen in ${findings.map((f) => f.ruleId).join(', ')}`,
      needsConfirmation: false,
      reversible: true,
      params: { set: 'pool', addrs, timeoutSec },
    });
  }

  planBans(input, plan, base, refuse);
  return plan;
}

function planBans(
  input: PlanInput,
  plan: Plan,
  base: (
    k: ActionKind,
    d: RuleDecision | null,
    f: readonly Finding[],
  ) => Omit<PlannedAction, 'target' | 'summary' | 'reason' | 'needsConfirmation' | 'reversible' | 'params'>,
  refuse: (k: ActionKind, t: string, r: string, f: readonly Finding[]) => void,
): void {
  const bySource = new Map<string, Finding[]>();
  for (const f of input.findings) {
    if (f.entity.kind === 'source-ip' && f.entity.ip)
      bySource.set(f.entity.ip, [...(bySource.get(f.entity.ip) ?? []), f]);
  }
  for (const [ip, findings] of bySource) {
    const d = decide(input.policy, findings).get('ban');
    if (!d) continue;
    const why = input.safety.checkAddress(ip);
    if (why) {
      refuse('ban', ip, why, findings);
      continue;
    }
    const offence = (input.priorBans?.(ip) ?? 0) + 1;
    const b = input.policy.ban;
    const timeoutSec = banDuration(offence, {
      baseSec: d.rule.duration ?? b.base,
      factor: b.factor,
      maxSec: b.max,
    });
    plan.actions.push({
      ...base('ban', d, findings),
      target: ip,
      summary: `ban ${ip} for ${timeoutSec}s (offence ${offence})`,
      reason: `policy rule ${d.rule.id}: ${findings.map((f) => f.ruleId).join(', ')}`,
      needsConfirmation: false,
      reversible: true,
      params: { addr: ip, timeoutSec, offence },
    });
  }
}
