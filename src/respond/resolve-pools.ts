import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { addressScope } from '../util/ip.js';
import type { ResolvedDomain } from './actions/block.js';
import type { Plan, PoolDomainRequest } from './planner.js';
import type { Policy } from './policy.js';
import type { SafetyGuard } from './safety.js';
import type { PlannedAction } from './types.js';

/** How pool names are resolved: the policy's `resolve:` section, with `--resolver` servers taking precedence. */
export interface ResolveSettings {
  /** `IP`, `IP:PORT` or `[IPv6]:PORT`; empty: the system's resolvers (/etc/resolv.conf). */
  servers: readonly string[];
  timeoutMs: number;
  maxAddrs: number;
  maxNames: number;
  /** Block RFC 1918, CGNAT and ULA answers (off: a pool name pointing inside the network is skipped). */
  blockPrivate: boolean;
  /** Block answers that are one of the resolvers' own addresses (off: that would cut this host's DNS). */
  blockResolvers: boolean;
}

export function resolveSettings(policy: Policy, cliServers: readonly string[] = []): ResolveSettings {
  const r = policy.resolve;
  return {
    servers: cliServers.length > 0 ? cliServers : r.servers,
    timeoutMs: r.timeout * 1000,
    maxAddrs: r.maxAddrs,
    maxNames: r.maxNames,
    blockPrivate: r.blockPrivate,
    blockResolvers: r.blockResolvers,
  };
}

/** `IP`, `IP:PORT` or `[IPv6]:PORT` as c-ares takes it; null when it is none of them. */
export function parseResolverAddr(text: string): string | null {
  const bracket = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(text);
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(text);
  const [ip, port] = bracket ? [bracket[1], bracket[2]] : v4 ? [v4[1], v4[2]] : [text, undefined];
  if (!ip || !isIP(ip) || (port !== undefined && (Number(port) < 1 || Number(port) > 65535))) return null;
  if (isIP(ip) === 6) return port ? `[${ip}]:${port}` : ip;
  return port ? `${ip}:${port}` : ip;
}

function serverIp(server: string): string {
  const m = /^\[([^\]]+)\]/.exec(server);
  if (m?.[1]) return m[1].toLowerCase();
  return isIP(server) ? server.toLowerCase() : (server.split(':')[0] ?? server);
}

/**
 * Names under the special-use TLDs (RFC 2606, RFC 6761) cannot be a real pool: the system's resolvers are not asked
 * about them (they would forward them upstream). A resolver named in the policy or with --resolver still is.
 */
const SPECIAL_USE = /(^|\.)(test|example|invalid|localhost)$/;

/** LDH labels only: what goes into a DNS query, an element comment and the journal. */
const SAFE_NAME =
  /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export interface NameResolution {
  name: string;
  resolvedAt: string;
  servers: string[];
  /** What may go into the pool set (at most `maxAddrs`). */
  addrs: string[];
  skipped: Array<{ addr: string; why: string }>;
  /** Every answer was loopback or unspecified: a resolver already sinkholes this name. */
  sinkhole: boolean;
  /** Why nothing came back (`NXDOMAIN`, `timed out`, ...). */
  error?: string;
  /** Lowest TTL of the answers, seconds. */
  ttl: number | null;
  /** Answers over `maxAddrs`, left out. */
  dropped: number;
  /** One family answered, the other failed (not merely empty): `AAAA timed out`. */
  partial?: string;
}

const ERRORS: Record<string, string> = {
  ENOTFOUND: 'NXDOMAIN',
  ENODATA: 'no A or AAAA records',
  ETIMEOUT: 'timed out',
  ECANCELLED: 'timed out',
  ECONNREFUSED: 'resolver refused the connection',
  ESERVFAIL: 'SERVFAIL',
  EREFUSED: 'REFUSED',
};

/** Why an answer must not go into the pool set; null when it may. */
function skipReason(addr: string, s: ResolveSettings, resolverIps: ReadonlySet<string>): string | null {
  const lower = addr.toLowerCase();
  const scope = addressScope(lower);
  if (scope === 'any' || scope === 'loopback') return 'loopback or unspecified (a sinkhole answer)';
  if (lower.startsWith('169.254.') || /^fe[89ab]/.test(lower))
    return 'link-local (cloud metadata lives there)';
  if (resolverIps.has(lower) && !s.blockResolvers)
    return "one of this host's DNS resolvers (policy resolve.blockResolvers is off)";
  if (scope === 'private' && !s.blockPrivate)
    return 'a private address: RFC 1918, CGNAT or ULA (policy resolve.blockPrivate is off)';
  return null;
}

type Answer = { addrs: Array<{ address: string; ttl: number }>; code?: string };

async function query(r: Resolver, name: string, family: 4 | 6): Promise<Answer> {
  try {
    const addrs =
      family === 4 ? await r.resolve4(name, { ttl: true }) : await r.resolve6(name, { ttl: true });
    return { addrs };
  } catch (err) {
    return { addrs: [], code: (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN' };
  }
}

/** A and AAAA of one name, bounded by the timeout whatever c-ares does with several servers. */
export async function resolveName(
  name: string,
  s: ResolveSettings,
  now: () => number = Date.now,
): Promise<NameResolution> {
  const r = new Resolver({ timeout: s.timeoutMs, tries: 1 });
  if (s.servers.length > 0) r.setServers([...s.servers]);
  const servers = r.getServers();
  const resolverIps = new Set(servers.map(serverIp));
  const resolvedAt = new Date(now()).toISOString();
  const base = { name, resolvedAt, servers, addrs: [], skipped: [], sinkhole: false, ttl: null, dropped: 0 };
  if (!SAFE_NAME.test(name)) return { ...base, error: 'not a plain DNS name; not resolved' };
  if (s.servers.length === 0 && SPECIAL_USE.test(name))
    return {
      ...base,
      error: 'a special-use name (RFC 2606/6761), never a real pool; not sent to the resolver',
    };
  const deadline = setTimeout(() => r.cancel(), s.timeoutMs * Math.max(1, servers.length) + 500);
  const [a, aaaa] = await Promise.all([query(r, name, 4), query(r, name, 6)]).finally(() =>
    clearTimeout(deadline),
  );
  const answers = [...a.addrs, ...aaaa.addrs];
  if (answers.length === 0) {
    const codes = [a.code, aaaa.code];
    const code = codes.find((c) => c && c !== 'ENODATA' && c !== 'ENOTFOUND') ?? codes.find(Boolean);
    return { ...base, error: ERRORS[code ?? ''] ?? code ?? 'no answer' };
  }
  const unique = [...new Map(answers.map((x) => [x.address.toLowerCase(), x])).values()];
  const skipped: Array<{ addr: string; why: string }> = [];
  const ok: string[] = [];
  for (const x of unique) {
    const why = skipReason(x.address, s, resolverIps);
    if (why) skipped.push({ addr: x.address, why });
    else ok.push(x.address.toLowerCase());
  }
  const sinkhole = skipped.length === unique.length && skipped.every((x) => x.why.includes('sinkhole'));
  const failed = [
    ['A', a.code],
    ['AAAA', aaaa.code],
  ].find(([, c]) => c && c !== 'ENODATA' && c !== 'ENOTFOUND');
  return {
    ...base,
    ...(failed ? { partial: `${failed[0]} ${ERRORS[failed[1] ?? ''] ?? failed[1]}` } : {}),
    addrs: ok.slice(0, s.maxAddrs),
    skipped,
    sinkhole,
    ttl: Math.min(...unique.map((x) => x.ttl)),
    dropped: Math.max(0, ok.length - s.maxAddrs),
  };
}

/** Several names, a few at a time (a hostile finding list must not fan out into hundreds of queries at once). */
export async function resolveNames(
  names: readonly string[],
  s: ResolveSettings,
  now: () => number = Date.now,
): Promise<NameResolution[]> {
  const out: NameResolution[] = [];
  for (let i = 0; i < names.length; i += 8) {
    out.push(...(await Promise.all(names.slice(i, i + 8).map((n) => resolveName(n, s, now)))));
  }
  return out;
}

export function asResolvedDomain(r: NameResolution): ResolvedDomain {
  return { name: r.name, addrs: r.addrs, resolvedAt: r.resolvedAt, servers: r.servers };
}

export interface ResolvedPlan extends Plan {
  /** Every pool name the plan tried, with what it resolved to, what was skipped and why. */
  resolution: NameResolution[];
}

const EXPORTS = 'the DNS exports (`minewarden block export`) still carry the name';

function notesFor(r: NameResolution, s: ResolveSettings): string[] {
  const via = `at ${r.resolvedAt} via ${r.servers.join(', ') || 'no resolver'}`;
  if (r.error)
    return [`pool domain ${r.name}: not resolved (${r.error}, ${via}); not blocked by address; ${EXPORTS}`];
  if (r.sinkhole)
    return [
      `pool domain ${r.name} resolves to ${r.skipped.map((x) => x.addr).join(', ')} ${via}: a sinkhole ` +
        '(a resolver already blocks this name); skipped',
    ];
  const out = r.skipped.map((x) => `pool domain ${r.name}: skipped ${x.addr}, ${x.why}`);
  if (r.partial) out.push(`pool domain ${r.name}: ${r.partial}; only the other family's answers are blocked`);
  if (r.dropped > 0)
    out.push(
      `pool domain ${r.name}: ${r.dropped} more address(es) not blocked (policy resolve.maxAddrs is ${s.maxAddrs})`,
    );
  if (r.addrs.length > 0)
    out.push(
      `pool domain ${r.name} -> ${r.addrs.join(', ')} (resolved ${via}${r.ttl !== null ? `, TTL ${r.ttl}s` : ''}); ` +
        `pools move: \`respond --refresh-blocks --apply\` adds new addresses; ${EXPORTS}`,
    );
  return out;
}

function timeoutText(sec: number | null): string {
  return sec ? `for ${sec}s` : 'until undone';
}

interface NameStep {
  req: PoolDomainRequest;
  r: NameResolution;
}

/**
 * One step for names that share an answer (a pool and its alias): separate steps would each think the address
 * theirs, and undoing one would take it from under the other.
 */
function groupByAnswer(named: readonly NameStep[]): NameStep[][] {
  const groups: NameStep[][] = [];
  for (const n of named) {
    const joined = groups.filter((g) => g.some((x) => x.r.addrs.some((a) => n.r.addrs.includes(a))));
    const merged = [...joined.flat(), n];
    for (const g of joined) groups.splice(groups.indexOf(g), 1);
    groups.push(merged);
  }
  const at = (n: NameStep): number => named.indexOf(n);
  for (const g of groups) g.sort((a, b) => at(a) - at(b));
  return groups.sort((a, b) => at(a[0]!) - at(b[0]!));
}

function stepFor(group: readonly NameStep[]): PlannedAction {
  const first = group[0]!;
  const names = group.map((g) => g.req.name);
  const addrs = [...new Set(group.flatMap((g) => g.r.addrs))];
  // The longest of the deciding rules' durations; none (until undone) beats any.
  const timeouts = group.map((g) => g.req.timeoutSec);
  const timeoutSec = timeouts.includes(null) ? null : Math.max(...(timeouts as number[]));
  const findingIds = [...new Set(group.flatMap((g) => g.req.step.findingIds))];
  const listed = group.map((g) => `${g.req.name}${g.req.listed ? ` (listed: ${g.req.listed})` : ''}`);
  const sources = [...new Set(group.flatMap((g) => g.req.sources))];
  return {
    ...first.req.step,
    findingIds,
    target: names.join(', '),
    // The table cuts long summaries: names and time of day first; the full record is in params.domains.
    summary:
      `block outbound to ${addrs.join(', ')} (${names.join(', ')} at ${first.r.resolvedAt.slice(11, 19)}Z) ` +
      `${timeoutText(timeoutSec)}, set pool`,
    reason: `pool domain${names.length > 1 ? 's' : ''} ${listed.join(', ')} in ${sources.join(', ')}`,
    needsConfirmation: false,
    reversible: true,
    params: { set: 'pool', addrs, timeoutSec, domains: group.map((g) => asResolvedDomain(g.r)) },
  };
}

/**
 * The asynchronous half of planning: resolves the pool names `buildPlan` could not block (A and AAAA, bounded)
 * and adds one block step per name (names sharing an answer share a step), before the bans. Failures and skipped answers become notes, never errors: a
 * name that does not resolve is still blocked by the DNS exports.
 */
export async function resolvePlanDomains(
  plan: Plan,
  s: ResolveSettings,
  opts: { safety?: SafetyGuard; now?: () => number } = {},
): Promise<ResolvedPlan> {
  const reqs = plan.poolDomains ?? [];
  if (reqs.length === 0) return { ...plan, resolution: [] };
  const notes = [...plan.notes];
  const take = reqs.slice(0, s.maxNames);
  for (const req of reqs.slice(s.maxNames))
    notes.push(
      `pool domain ${req.name}: not resolved, over policy resolve.maxNames (${s.maxNames}); ${EXPORTS}`,
    );
  const planned = new Set(
    plan.actions
      .filter((a) => a.kind === 'block')
      .flatMap((a) => (a.params as { addrs?: string[] }).addrs ?? [])
      .map((a) => a.toLowerCase()),
  );
  const results = await resolveNames(
    take.map((r) => r.name),
    s,
    opts.now,
  );
  const named: NameStep[] = [];
  take.forEach((req, i) => {
    const r = results[i]!;
    const at = notes.indexOf(req.note);
    if (at >= 0) notes.splice(at, 1);
    const addrs: string[] = [];
    for (const a of r.addrs) {
      const why = planned.has(a) ? 'already in the plan' : (opts.safety?.checkAddress(a) ?? null);
      if (why) r.skipped.push({ addr: a, why });
      else addrs.push(a);
    }
    r.addrs = addrs;
    notes.push(...notesFor(r, s));
    if (addrs.length > 0) named.push({ req, r });
  });
  const steps = groupByAnswer(named).map(stepFor);
  const firstBan = plan.actions.findIndex((a) => a.kind === 'ban');
  const actions = [...plan.actions];
  actions.splice(firstBan < 0 ? actions.length : firstBan, 0, ...steps);
  return { ...plan, actions, notes, resolution: results };
}
