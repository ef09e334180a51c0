import { DomainSuffixSet } from './domain-set.js';
import { IpNetSet, type ParsedNet, parseNet } from './ip-set.js';

export interface DomainInput {
  domain: string;
  label?: string;
}
export interface NetInput {
  net: ParsedNet;
  text: string;
  label?: string;
}

/** One pool-intel hit: the listed indicator that matched, and which pack listed it. */
export interface PoolMatch {
  /** The entry as listed (`supportxmr.com` for a query of `la01.supportxmr.com`; `1.2.3.0/24` for a CIDR). */
  readonly indicator: string;
  readonly kind: 'domain' | 'ip' | 'cidr';
  /** Which pack listed it (`builtin`, or the list's name). */
  readonly list: string;
  readonly label?: string;
}

export interface PoolIntelStats {
  domains: number;
  ips: number;
  cidrs: number;
}

/** Where a pack came from and how old it is: findings and `intel lookup` show it. */
export interface PoolPackInfo {
  readonly list: string;
  readonly version: string;
  readonly date: string;
  readonly source: string;
  readonly stats: PoolIntelStats;
}

/**
 * Pool domains and addresses from one or more packs. Matches are precomputed frozen objects, so a lookup allocates
 * nothing but the suffix probes.
 */
export class PoolIntel {
  private readonly domains = new DomainSuffixSet<PoolMatch>();
  private readonly nets = new IpNetSet<PoolMatch>();
  private readonly packList: PoolPackInfo[] = [];

  /** Packs merged in, in order; the first pack that lists an indicator names it. */
  get packs(): readonly PoolPackInfo[] {
    return this.packList;
  }

  /** The first pack's version, or joined versions when several packs are merged. */
  get version(): string {
    return this.packList
      .map((p) => (this.packList.length > 1 ? `${p.list}@${p.version}` : p.version))
      .join(',');
  }

  /** The newest pack date (ISO date or as the list states it). */
  get date(): string {
    return (
      this.packList
        .map((p) => p.date)
        .sort()
        .at(-1) ?? ''
    );
  }

  get size(): number {
    return this.domains.size + this.nets.size;
  }

  lookupDomain(name: string): PoolMatch | null {
    return this.domains.lookup(name) ?? null;
  }

  lookupIp(ip: string): PoolMatch | null {
    return this.nets.lookup(ip) ?? null;
  }

  /** A domain or an address, whichever `value` is. */
  lookup(value: string): PoolMatch | null {
    return this.lookupIp(value) ?? this.lookupDomain(value);
  }

  /** Every indicator, for exporting block lists. */
  *indicators(): IterableIterator<PoolMatch> {
    for (const [, m] of this.domains.entries()) yield m;
    yield* this.nets.values();
  }

  /** @internal Builders (loaders) add packs through this. */
  addPack(
    info: Omit<PoolPackInfo, 'stats'>,
    domains: Iterable<DomainInput>,
    nets: Iterable<NetInput>,
  ): PoolPackInfo {
    const stats: PoolIntelStats = { domains: 0, ips: 0, cidrs: 0 };
    for (const d of domains) {
      const m: PoolMatch = Object.freeze({
        indicator: d.domain,
        kind: 'domain',
        list: info.list,
        ...(d.label ? { label: d.label } : {}),
      });
      if (this.domains.add(d.domain, m)) stats.domains++;
    }
    for (const n of nets) {
      const full = n.net.bits === (n.net.v === 4 ? 32 : 128);
      const m: PoolMatch = Object.freeze({
        indicator: n.text,
        kind: full ? 'ip' : 'cidr',
        list: info.list,
        ...(n.label ? { label: n.label } : {}),
      });
      if (this.nets.add(n.net, m)) {
        if (full) stats.ips++;
        else stats.cidrs++;
      }
    }
    const pack = { ...info, stats };
    this.packList.push(pack);
    return pack;
  }

  /** A new intel with the packs of all given intels, in order (an indicator keeps the first pack that lists it). */
  static merge(...intels: PoolIntel[]): PoolIntel {
    const out = new PoolIntel();
    for (const intel of intels) {
      const byList = new Map<string, { domains: DomainInput[]; nets: NetInput[] }>();
      for (const p of intel.packs) byList.set(p.list, { domains: [], nets: [] });
      for (const m of intel.indicators()) {
        const bucket = byList.get(m.list);
        if (!bucket) continue;
        const label = m.label ? { label: m.label } : {};
        if (m.kind === 'domain') bucket.domains.push({ domain: m.indicator, ...label });
        else {
          const net = parseNet(m.indicator);
          if (net) bucket.nets.push({ net, text: m.indicator, ...label });
        }
      }
      for (const p of intel.packs) {
        const bucket = byList.get(p.list);
        if (bucket)
          out.addPack(
            { list: p.list, version: p.version, date: p.date, source: p.source },
            bucket.domains,
            bucket.nets,
          );
      }
    }
    return out;
  }
}
