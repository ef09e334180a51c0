import { type PoolIntel, type PoolMatch, parseNet } from '../../intel/pools/index.js';
import { maskIpv4 } from '../../intel/pools/ip-parse.js';
import { type Finding, findingId } from '../../model/finding.js';
import type { HostRef } from '../../model/host.js';
import { addrText } from '../../sources/pcap/decode.js';
import type { Hit, RuleMeta } from '../detector.js';
import type { DnsWatch, PoolQuery } from './dns-watch.js';
import type { Flow } from './flow.js';
import { WIRE_RULES } from './rules.js';

/** Year 10000: past it toISOString writes six-digit years, which only Date itself formats. */
const FAST_ISO_LIMIT = 253_402_300_800_000;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));
const HOUR_TEXT = TWO_DIGITS.slice(0, 24).map((d) => `${d}:`);
const MINUTE_TEXT = TWO_DIGITS.map((d) => `${d}:`);
const SECOND_TEXT = TWO_DIGITS.map((d) => `${d}.`);
/** '000Z' to '999Z': the milliseconds and the zone in one piece. */
const MILLI_Z = Array.from({ length: 1000 }, (_, i) => `${String(i).padStart(3, '0')}Z`);
/** The texts of the day, minute and second formatted last, and which they were. */
let isoDay = -1;
let isoDayText = '';
let isoMinute = -1;
let isoMinuteText = '';
let isoSecond = -1;
let isoSecondText = '';
/** isoSecond in milliseconds: a time in the same second as the last one is found with one subtraction. */
let isoSecondStart = Number.NEGATIVE_INFINITY;

/**
 * Packet times as Date#toISOString writes them. A report builds thousands of these and Date's formatter is slow, so
 * the date is formatted once per day, the rest is joined from prebuilt pieces (a new minute or second costs one or
 * two joins, each call one more). Times outside Date's range (hostile timestamps) are shown as the epoch rather than
 * failing the report.
 */
export function isoTime(ms: number): string {
  if (!(ms >= 0 && ms < FAST_ISO_LIMIT)) return new Date(ms >= 0 && ms <= 8.64e15 ? ms : 0).toISOString();
  // Date keeps whole milliseconds (TimeClip truncates), and ms is not negative here.
  const t = Math.floor(ms);
  const inSecond = t - isoSecondStart;
  if (inSecond >= 0 && inSecond < 1000) return isoSecondText + (MILLI_Z[inSecond] as string);
  const second = Math.floor(t / 1000);
  if (second !== isoSecond) {
    const minute = Math.floor(second / 60);
    if (minute !== isoMinute) {
      const day = Math.floor(minute / 1440);
      if (day !== isoDay) {
        isoDay = day;
        isoDayText = new Date(day * 86_400_000).toISOString().slice(0, 11);
      }
      const inDay = minute - day * 1440;
      const hour = Math.floor(inDay / 60);
      isoMinute = minute;
      isoMinuteText = isoDayText + (HOUR_TEXT[hour] as string) + (MINUTE_TEXT[inDay - hour * 60] as string);
    }
    isoSecond = second;
    isoSecondStart = second * 1000;
    isoSecondText = isoMinuteText + (SECOND_TEXT[second - minute * 60] as string);
  }
  return isoSecondText + (MILLI_Z[t - second * 1000] as string);
}

/**
 * `ip:port` (`[ip]:port` for IPv6). Only ever a piece of the texts below, which are joined into one flat string
 * each: a template literal builds a tree of small string pieces (one per `+`), and a report's thousands of findings
 * survive whole, so the garbage collector would copy every piece of every tree. The pieces here die young.
 */
function endpoint(family: number, ip: string, port: number): string {
  return family === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** 0 when endpoint a is the client, 1 when b is: from the SYN, else the messages each side sent, else ports. */
function clientSide(flow: Flow, knownPorts: ReadonlySet<number>): number {
  if (flow.clientDir >= 0) return flow.clientDir;
  const rpc = flow.rpc;
  if (rpc) {
    const aClient = rpc.clientVotes[0] + rpc.serverVotes[1];
    const bClient = rpc.clientVotes[1] + rpc.serverVotes[0];
    if (aClient !== bClient) return aClient > bClient ? 0 : 1;
  }
  if (knownPorts.has(flow.bPort) !== knownPorts.has(flow.aPort)) return knownPorts.has(flow.bPort) ? 0 : 1;
  return flow.bPort <= flow.aPort ? 0 : 1;
}

export interface FlowEnds {
  client: string;
  clientPort: number;
  server: string;
  serverPort: number;
  /** The server as `ip:port` (`[ip]:port` for IPv6), to be joined into a longer text. */
  serverEnd: string;
  tuple: string;
}

export function flowEnds(flow: Flow, knownPorts: ReadonlySet<number>): FlowEnds {
  const a = addrText(flow.family, flow.a0, flow.a1, flow.a2, flow.a3);
  const b = addrText(flow.family, flow.b0, flow.b1, flow.b2, flow.b3);
  const aIsClient = clientSide(flow, knownPorts) === 0;
  const client = aIsClient ? a : b;
  const clientPort = aIsClient ? flow.aPort : flow.bPort;
  const server = aIsClient ? b : a;
  const serverPort = aIsClient ? flow.bPort : flow.aPort;
  const serverEnd = endpoint(flow.family, server, serverPort);
  const tuple = ['tcp ', endpoint(flow.family, client, clientPort), ' -> ', serverEnd].join('');
  return { client, clientPort, server, serverPort, serverEnd, tuple };
}

export interface ReportContext {
  host: HostRef;
  intel: PoolIntel | null;
  dns: DnsWatch;
  minerPorts: ReadonlySet<number>;
  /** Pool-list answers per server address: a report asks about the same servers for many flows. */
  poolByIp?: Map<string, PoolMatch | null>;
  /** Whether IPv4 servers are on the pool lists, by address word (see Ipv4PoolCache). */
  poolV4?: Ipv4PoolCache;
}

const MAX_POOL_BY_IP = 65_536;

function poolByIp(ctx: ReportContext, ip: string): PoolMatch | null {
  if (!ctx.intel) return null;
  const cache = ctx.poolByIp;
  if (!cache) return ctx.intel.lookupIp(ip);
  let m = cache.get(ip);
  if (m === undefined) {
    if (cache.size >= MAX_POOL_BY_IP) cache.clear();
    m = ctx.intel.lookupIp(ip);
    cache.set(ip, m);
  }
  return m;
}

/**
 * Whether IPv4 servers are on the pool lists, asked by address word: for every flow of a capture, most of which go
 * nowhere near a pool, without building the address text for intel.lookupIp to parse back. The lists' IPv4
 * networks are read once (from intel.indicators(), as PoolIntel.merge reads them) into a set per prefix length, so
 * the answer is lookupIp's: some network of some length holds the address. Lists without addresses (the built-in
 * one) answer no at once.
 */
export class Ipv4PoolCache {
  private nets: Array<{ bits: number; words: Set<number> }> | null = null;

  isPool(intel: PoolIntel, w: number): boolean {
    const nets = this.nets ?? this.load(intel);
    if (nets.length === 0) return false;
    const u = w >>> 0;
    for (const n of nets) if (n.words.has(maskIpv4(u, n.bits))) return true;
    return false;
  }

  private load(intel: PoolIntel): Array<{ bits: number; words: Set<number> }> {
    const byBits = new Map<number, Set<number>>();
    if (intel.packs.some((p) => p.stats.ips + p.stats.cidrs > 0))
      for (const m of intel.indicators()) {
        if (m.kind === 'domain') continue;
        const net = parseNet(m.indicator);
        if (net?.v !== 4) continue;
        const words = byBits.get(net.bits) ?? new Set<number>();
        byBits.set(net.bits, words);
        words.add(net.net);
      }
    this.nets = [...byBits].map(([bits, words]) => ({ bits, words }));
    return this.nets;
  }
}

/**
 * Whether a flow whose payload showed nothing goes to a pool, by its SNI, its server's address or a pool name that
 * resolved to it. Most flows of a capture are like this and most answer no: an IPv4 server is asked about by its
 * address word, others by their (cached) address text.
 */
function serverIsPool(flow: Flow, ctx: ReportContext): boolean {
  if (flow.sni && ctx.intel?.lookupDomain(flow.sni)) return true;
  const aIsClient = clientSide(flow, ctx.minerPorts) === 0;
  if (flow.family === 4 && ctx.poolV4) {
    const w = aIsClient ? flow.b0 : flow.a0;
    return (ctx.intel !== null && ctx.poolV4.isPool(ctx.intel, w)) || ctx.dns.resolvedV4.has(w);
  }
  const server = aIsClient
    ? addrText(flow.family, flow.b0, flow.b1, flow.b2, flow.b3)
    : addrText(flow.family, flow.a0, flow.a1, flow.a2, flow.a3);
  return poolByIp(ctx, server) !== null || ctx.dns.resolved.has(server);
}

/** Fields in draftOf's order, then id, host and time: one literal instead of a draft copied by spread. */
function finding(ctx: ReportContext, meta: RuleMeta, hit: Hit, time: number): Finding {
  return {
    ruleId: meta.id,
    title: hit.title ?? meta.title,
    severity: hit.severity ?? meta.severity,
    confidence: hit.confidence ?? meta.confidence,
    category: meta.category,
    techniques: meta.techniques.slice(),
    entity: hit.entity,
    evidence: hit.evidence,
    recommendation: meta.recommendation,
    id: findingId(ctx.host.id, meta.id, hit.entity),
    host: ctx.host,
    time: isoTime(time),
  };
}

function poolOf(
  ctx: ReportContext,
  flow: Flow,
  ends: FlowEnds,
  sni: string | undefined,
): Record<string, unknown> | null {
  const bySni = sni ? ctx.intel?.lookupDomain(sni) : null;
  if (bySni) return { via: 'sni', name: sni, ...matchEvidence(bySni) };
  // An IPv4 server the word cache knows is not on the lists needs no lookup by its text (most reported flows).
  const v4NotPool =
    flow.family === 4 &&
    ctx.intel !== null &&
    ctx.poolV4 !== undefined &&
    !ctx.poolV4.isPool(ctx.intel, clientSide(flow, ctx.minerPorts) === 0 ? flow.b0 : flow.a0);
  const byIp = v4NotPool ? null : poolByIp(ctx, ends.server);
  if (byIp) return { via: 'address', ...matchEvidence(byIp) };
  const byDns = ctx.dns.resolved.get(ends.server);
  if (byDns) return { via: 'dns', name: byDns.name, ...matchEvidence(byDns.match) };
  return null;
}

function matchEvidence(m: PoolMatch): Record<string, unknown> {
  return { indicator: m.indicator, list: m.list, ...(m.label ? { label: m.label } : {}) };
}

/** The method counts as an object, in the order first seen (what Object.fromEntries gives, without an iterator). */
export function methodCounts(methods: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  methods.forEach((n, name) => {
    // Names come from the wire: "__proto__" must become a key, as Object.fromEntries makes it, not the prototype.
    if (name === '__proto__')
      Object.defineProperty(out, name, { value: n, enumerable: true, writable: true, configurable: true });
    else out[name] = n;
  });
  return out;
}

/** Whether `flow` may deserve a finding; false says flowFinding returns null, without building any text but one address. */
export function mayReport(flow: Flow, ctx: ReportContext): boolean {
  if (flow.rpc?.protocol || flow.p2p) return true;
  return (ctx.intel !== null || ctx.dns.resolved.size > 0) && serverIsPool(flow, ctx);
}

/** The finding a flow deserves, if any: mining protocol, else TLS to a pool, else a pool address, else P2P info. */
export function flowFinding(flow: Flow, ctx: ReportContext): Finding | null {
  if (!mayReport(flow, ctx)) return null;
  const rpc = flow.rpc;
  const protocol = rpc?.protocol ?? null;
  const ends = flowEnds(flow, ctx.minerPorts);
  const pool = poolOf(ctx, flow, ends, flow.sni);
  if (!protocol && !flow.p2p && !pool) return null;
  const entity = { kind: 'connection' as const, ip: ends.server, port: ends.serverPort, name: ends.tuple };
  const server = ends.serverEnd;
  const evidence: Record<string, unknown> = {
    fiveTuple: ends.tuple,
    transport: 'tcp',
    client: ends.client,
    clientPort: ends.clientPort,
    server: ends.server,
    serverPort: ends.serverPort,
    packets: flow.packets,
    payloadPackets: flow.payloadPackets,
    payloadBytes: flow.bytes,
    firstSeen: isoTime(flow.firstTime),
    lastSeen: isoTime(flow.lastTime),
  };
  if (flow.sni) evidence['sni'] = flow.sni;
  if (pool) evidence['pool'] = pool;
  if (rpc && protocol) {
    const agent = rpc.agent ?? rpc.httpAgent;
    evidence['protocol'] = protocol;
    evidence['agent'] = agent ?? null;
    evidence['login'] = rpc.login ?? null;
    evidence['handshakeSeen'] = rpc.handshake;
    evidence['messagesInspected'] = rpc.messages;
    evidence['methods'] = methodCounts(rpc.methods);
    const strong = rpc.handshake || rpc.login !== undefined;
    const confidence = Math.min(
      0.99,
      (strong ? 0.9 : 0.8) + (rpc.messages >= 10 ? 0.05 : 0) + (pool ? 0.04 : 0),
    );
    const title = agent
      ? ['Pool mining (', protocol, ') from ', ends.client, ' to ', server, ' by ', agent].join('')
      : ['Pool mining (', protocol, ') from ', ends.client, ' to ', server].join('');
    const hit = { entity, evidence, title, confidence };
    return finding(ctx, WIRE_RULES.stratum, hit, rpc.detectedAt || flow.firstTime);
  }
  if (pool && pool['via'] === 'sni') {
    const title = ['TLS to mining pool ', flow.sni, ' from ', ends.client].join('');
    return finding(ctx, WIRE_RULES.sni, { entity, evidence, title }, flow.firstTime);
  }
  if (pool) {
    const title = ['Connection from ', ends.client, ' to pool address ', server].join('');
    return finding(ctx, WIRE_RULES.poolAddress, { entity, evidence, title }, flow.firstTime);
  }
  const network = flow.p2p === 'bitcoin' ? 'Bitcoin' : 'Monero';
  evidence['network'] = flow.p2p;
  const title = [network, ' peer-to-peer traffic between ', ends.client, ' and ', ends.server].join('');
  return finding(ctx, WIRE_RULES.p2p, { entity, evidence, title }, flow.firstTime);
}

export function dnsFinding(q: PoolQuery, ctx: ReportContext): Finding {
  const entity = { kind: 'source-ip' as const, ip: q.client, name: q.name };
  const evidence = {
    client: q.client,
    resolver: q.server,
    query: q.name,
    queries: q.queries,
    responses: q.responses,
    resolvedAddresses: q.addresses,
    pool: matchEvidence(q.match),
    firstSeen: isoTime(q.firstTime),
    lastSeen: isoTime(q.lastTime),
  };
  return finding(
    ctx,
    WIRE_RULES.dns,
    { entity, evidence, title: [q.client, ' looked up pool name ', q.name].join('') },
    q.firstTime,
  );
}
