import { ipv4OfMapped, maskIpv4, maskIpv6Hex, parseIpv4, parseIpv6Hex } from './ip-parse.js';

export type ParsedNet = { v: 4; net: number; bits: number } | { v: 6; net: string; bits: number };

/** `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or `x::/n`, host bits cleared; null when it is none of them. */
export function parseNet(text: string): ParsedNet | null {
  const slash = text.indexOf('/');
  const addr = slash >= 0 ? text.slice(0, slash) : text;
  const bitsText = slash >= 0 ? text.slice(slash + 1) : '';
  if (slash >= 0 && !/^[0-9]{1,3}$/.test(bitsText)) return null;
  let v4 = parseIpv4(addr);
  if (v4 < 0) v4 = ipv4OfMapped(addr);
  if (v4 >= 0) {
    const bits = slash >= 0 ? Number(bitsText) : 32;
    if (bits > 32) return null;
    return { v: 4, net: maskIpv4(v4, bits), bits };
  }
  const v6 = parseIpv6Hex(addr);
  if (v6 === null) return null;
  const bits = slash >= 0 ? Number(bitsText) : 128;
  if (bits > 128) return null;
  return { v: 6, net: maskIpv6Hex(v6, bits), bits };
}

/**
 * IPv4 and IPv6 addresses and networks. One map per prefix length that occurs in the list, probed longest first:
 * lists hold a handful of distinct lengths, so a lookup is a few hash probes whatever the list size.
 */
export class IpNetSet<T> {
  private readonly v4 = new Map<number, Map<number, T>>();
  private readonly v6 = new Map<number, Map<string, T>>();
  private v4Lengths: number[] = [];
  private v6Lengths: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(net: ParsedNet, value: T): boolean {
    if (net.v === 4) {
      let m = this.v4.get(net.bits);
      if (!m) {
        m = new Map();
        this.v4.set(net.bits, m);
        this.v4Lengths = [...this.v4.keys()].sort((a, b) => b - a);
      }
      if (m.has(net.net)) return false;
      m.set(net.net, value);
    } else {
      let m = this.v6.get(net.bits);
      if (!m) {
        m = new Map();
        this.v6.set(net.bits, m);
        this.v6Lengths = [...this.v6.keys()].sort((a, b) => b - a);
      }
      if (m.has(net.net)) return false;
      m.set(net.net, value);
    }
    this.count++;
    return true;
  }

  /** The most specific entry containing `ip`; an IPv4-mapped IPv6 address matches IPv4 entries. */
  lookup(ip: string): T | undefined {
    let v4 = parseIpv4(ip);
    if (v4 < 0) v4 = ipv4OfMapped(ip);
    if (v4 >= 0) {
      for (const bits of this.v4Lengths) {
        const hit = this.v4.get(bits)?.get(maskIpv4(v4, bits));
        if (hit !== undefined) return hit;
      }
      return undefined;
    }
    if (this.v6Lengths.length === 0) return undefined;
    const hex = parseIpv6Hex(ip);
    if (hex === null) return undefined;
    for (const bits of this.v6Lengths) {
      const hit = this.v6.get(bits)?.get(maskIpv6Hex(hex, bits));
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  *values(): IterableIterator<T> {
    for (const m of this.v4.values()) yield* m.values();
    for (const m of this.v6.values()) yield* m.values();
  }
}
