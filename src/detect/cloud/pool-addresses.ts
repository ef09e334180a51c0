import type { PoolIntel, PoolMatch } from '../../intel/pools/index.js';
import { maskIpv4, parseIpv4 } from '../../intel/pools/ip-parse.js';
import { parseNet } from '../../intel/pools/ip-set.js';
import { type FlowRecord, isIpv4Key, remoteText } from '../../sources/cloud/flow-record.js';

const MAX_LEARNED = 100_000;

/**
 * Pool addresses: the intel's IPs and CIDRs, plus the addresses resolver logs gave as answers for pool domains, so a
 * flow to an address learned from a pool query counts even when no list names the address. Learned only from
 * events, so detection stays a function of the input (read resolver logs before flow logs to use it).
 */
export class PoolAddresses {
  private readonly learned = new Map<string, PoolMatch>();
  private readonly learnedV4 = new Map<number, PoolMatch>();
  /** The intel's IPv4 entries by prefix length, longest first, keyed as flow records key addresses (int32). */
  private readonly v4: Array<[bits: number, nets: Map<number, PoolMatch>]> = [];

  /** Whether any pack lists addresses: if none does and nothing was learned, a lookup need not parse the address. */
  private readonly intelHasAddresses: boolean;

  constructor(readonly intel: PoolIntel) {
    this.intelHasAddresses = intel.packs.some((p) => p.stats.ips + p.stats.cidrs > 0);
    if (!this.intelHasAddresses) return;
    const byBits = new Map<number, Map<number, PoolMatch>>();
    for (const m of intel.indicators()) {
      if (m.kind === 'domain') continue;
      const net = parseNet(m.indicator);
      if (net?.v !== 4) continue;
      let nets = byBits.get(net.bits);
      if (!nets) {
        nets = new Map();
        byBits.set(net.bits, nets);
      }
      if (!nets.has(net.net | 0)) nets.set(net.net | 0, m);
    }
    this.v4 = [...byBits].sort((a, b) => b[0] - a[0]);
  }

  learn(ip: string, via: PoolMatch, query: string): void {
    if (this.learned.size >= MAX_LEARNED || this.learned.has(ip)) return;
    const m = Object.freeze({
      indicator: query,
      kind: 'domain' as const,
      list: `resolved:${via.list}`,
      label: via.label ?? via.indicator,
    });
    this.learned.set(ip, m);
    const v4 = parseIpv4(ip);
    if (v4 >= 0 && !this.learnedV4.has(v4 | 0)) this.learnedV4.set(v4 | 0, m);
  }

  lookup(ip: string): PoolMatch | null {
    if (this.learned.size > 0) {
      const m = this.learned.get(ip);
      if (m) return m;
    }
    return this.intelHasAddresses ? this.intel.lookupIp(ip) : null;
  }

  /** The far end of a flow record: IPv4 by number, without its text; other addresses through `lookup`. */
  lookupRemote(r: FlowRecord): PoolMatch | null {
    if (!isIpv4Key(r.remote)) return this.lookup(remoteText(r));
    if (this.learnedV4.size > 0) {
      const m = this.learnedV4.get(r.remote);
      if (m) return m;
    }
    for (const [bits, nets] of this.v4) {
      const m = nets.get(maskIpv4(r.remote >>> 0, bits) | 0);
      if (m) return m;
    }
    return null;
  }
}
