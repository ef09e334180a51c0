import type { PoolIntel, PoolMatch } from '../../intel/pools/index.js';
import type { DnsMessage } from '../../sources/pcap/dns.js';

/** One asking host and one pool name: queries counted, answers collected. */
export interface PoolQuery {
  client: string;
  server: string;
  name: string;
  match: PoolMatch;
  queries: number;
  responses: number;
  addresses: string[];
  firstTime: number;
  lastTime: number;
  /** Emitted already (live mode). */
  reported: boolean;
}

const MAX_QUERIES = 10_000;
const MAX_RESOLVED = 10_000;
const MAX_ADDRESSES = 16;

/**
 * DNS traffic matched against pool intel. Keeps the pool queries per (client, name) and which addresses pool names
 * resolved to, so a later connection to such an address is known to be a pool even when the payload is encrypted.
 * Both maps are bounded; what does not fit is counted.
 */
export class DnsWatch {
  readonly queries = new Map<string, PoolQuery>();
  readonly resolved = new Map<string, { name: string; match: PoolMatch }>();
  /** The IPv4 keys of `resolved` as address words (signed, as flows keep them): asked without building text. */
  readonly resolvedV4 = new Set<number>();
  dropped = 0;

  /** The last name looked up and its answer: the messages about one name come in runs (query, response). */
  private lastName = '';
  private lastMatch: PoolMatch | null = null;

  constructor(private readonly intel: PoolIntel | null) {}

  private match(name: string): PoolMatch | null {
    if (this.intel === null || name === '') return null;
    if (name !== this.lastName) {
      this.lastMatch = this.intel.lookupDomain(name);
      this.lastName = name;
    }
    return this.lastMatch;
  }

  /** True when `name` is on the pool lists (the cheap test before a message is read in full). */
  isPoolName(name: string): boolean {
    return this.match(name) !== null;
  }

  /** Returns the entry when this message is about a pool name (new or updated), else null. */
  observe(msg: DnsMessage, src: string, dst: string, time: number): PoolQuery | null {
    const match = this.match(msg.name);
    if (!match) return null;
    const client = msg.response ? dst : src;
    const server = msg.response ? src : dst;
    const key = `${client}\u0000${msg.name}`;
    let q = this.queries.get(key);
    if (!q) {
      if (this.queries.size >= MAX_QUERIES) {
        this.dropped++;
        return null;
      }
      q = {
        client,
        server,
        name: msg.name,
        match,
        queries: 0,
        responses: 0,
        addresses: [],
        firstTime: time,
        lastTime: time,
        reported: false,
      };
      this.queries.set(key, q);
    }
    q.lastTime = time;
    if (msg.response) {
      q.responses++;
      for (const a of msg.addresses) {
        if (!q.addresses.includes(a) && q.addresses.length < MAX_ADDRESSES) q.addresses.push(a);
        if (!this.resolved.has(a) && this.resolved.size < MAX_RESOLVED) {
          this.resolved.set(a, { name: msg.name, match });
          const w = ipv4Word(a);
          if (w !== null) this.resolvedV4.add(w);
        }
      }
    } else q.queries++;
    return q;
  }
}

/** The address word of a dotted IPv4 text as DNS answers are written (four decimal octets), or null. */
function ipv4Word(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let w = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return null;
    w = (w << 8) | Number(p);
  }
  return w | 0;
}
