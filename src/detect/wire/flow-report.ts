import { maskIpv4 } from '../../intel/pools/ip-parse.js';
import { parseNet } from '../../intel/pools/ip-set.js';
import type { PoolIntel, PoolMatch } from '../../intel/pools/pool-intel.js';
import type { HostRef } from '../../model/host.js';
import { addrText } from '../../sources/pcap/decode.js';
import type { DnsWatch } from './dns-watch.js';
import type { Flow } from './flow.js';

export { isoTime } from './report-text.js';

/**
 * `ip:port` (`[ip]:port` for IPv6). Only ever a piece of the texts below, which are joined into one flat string
 * each: a template literal builds a tree of small string pieces (one per `+`), and a report's thousands of findings
 * survive whole, so the garbage collector would copy every piece of every tree. The pieces here die young.
 */
export function endpoint(family: number, ip: string, port: number): string {
  return family === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** 0 when endpoint a is the client, 1 when b is: from the SYN, else the messages each side sent, else ports. */
export function clientSide(flow: Flow, knownPorts: ReadonlySet<number>): number {
  if (flow.clientDir >= 0) return flow.clientDir;
  const rpc = flow.rpc;
  if (rpc) {
    const aClient = rpc.clientVotesA + rpc.serverVotesB;
    const bClient = rpc.clientVotesB + rpc.serverVotesA;
    if (aClient !== bClient) return aClient > bClient ? 0 : 1;
  }
  return clientSideByPorts(flow.aPort, flow.bPort, knownPorts);
}

/** clientSide when only the ports tell: the side not on a known (miner) port, else the higher port. */
function clientSideByPorts(aPort: number, bPort: number, knownPorts: ReadonlySet<number>): number {
  if (knownPorts.has(bPort) !== knownPorts.has(aPort)) return knownPorts.has(bPort) ? 0 : 1;
  return bPort <= aPort ? 0 : 1;
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
  /** Pool-list answers per TLS server name: a capture opens many connections to the same few names. */
  poolByDomain?: Map<string, PoolMatch | null>;
}

const MAX_POOL_BY_IP = 65_536;

/** intel.lookupDomain, remembered per name when the context keeps a cache (bounded as poolByIp's). */
export function poolByDomain(ctx: ReportContext, name: string): PoolMatch | null {
  if (!ctx.intel) return null;
  const cache = ctx.poolByDomain;
  if (!cache) return ctx.intel.lookupDomain(name);
  let m = cache.get(name);
  if (m === undefined) {
    if (cache.size >= MAX_POOL_BY_IP) cache.clear();
    m = ctx.intel.lookupDomain(name);
    cache.set(name, m);
  }
  return m;
}

export function poolByIp(ctx: ReportContext, ip: string): PoolMatch | null {
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
  if (flow.sni && poolByDomain(ctx, flow.sni)) return true;
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

export function matchEvidence(m: PoolMatch): Record<string, unknown> {
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

/**
 * mayReport of an IPv4 flow whose payload told nothing (no JSON-RPC, P2P or server name), from its ends alone: most
 * flows of a capture are like this, and the native walk's are asked about without becoming Flow objects first.
 * Undefined when the context has no IPv4 word cache (then mayReport answers).
 */
export function mayReportPlainV4(
  ctx: ReportContext,
  a0: number,
  b0: number,
  aPort: number,
  bPort: number,
  clientDir: number,
): boolean | undefined {
  if (!ctx.poolV4) return undefined;
  if (ctx.intel === null && ctx.dns.resolved.size === 0) return false;
  const w = (clientDir >= 0 ? clientDir : clientSideByPorts(aPort, bPort, ctx.minerPorts)) === 0 ? b0 : a0;
  return (ctx.intel !== null && ctx.poolV4.isPool(ctx.intel, w)) || ctx.dns.resolvedV4.has(w);
}
