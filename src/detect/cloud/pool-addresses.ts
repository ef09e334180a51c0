import type { PoolIntel, PoolMatch } from '../../intel/pools/index.js';

const MAX_LEARNED = 100_000;

/**
 * Pool addresses: the intel's IPs and CIDRs, plus the addresses resolver logs gave as answers for pool domains, so a
 * flow to an address learned from a pool query counts even when no list names the address. Learned only from
 * events, so detection stays a function of the input (read resolver logs before flow logs to use it).
 */
export class PoolAddresses {
  private readonly learned = new Map<string, PoolMatch>();

  /** Whether any pack lists addresses: if none does and nothing was learned, a lookup need not parse the address. */
  private readonly intelHasAddresses: boolean;

  constructor(readonly intel: PoolIntel) {
    this.intelHasAddresses = intel.packs.some((p) => p.stats.ips + p.stats.cidrs > 0);
  }

  learn(ip: string, via: PoolMatch, query: string): void {
    if (this.learned.size >= MAX_LEARNED || this.learned.has(ip)) return;
    this.learned.set(
      ip,
      Object.freeze({
        indicator: query,
        kind: 'domain',
        list: `resolved:${via.list}`,
        label: via.label ?? via.indicator,
      }),
    );
  }

  lookup(ip: string): PoolMatch | null {
    if (this.learned.size > 0) {
      const m = this.learned.get(ip);
      if (m) return m;
    }
    return this.intelHasAddresses ? this.intel.lookupIp(ip) : null;
  }
}
