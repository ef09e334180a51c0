import type { PoolIntel, PoolMatch } from '../../intel/pools/index.js';
import { addrText } from '../../sources/pcap/decode.js';
import type { DnsMessage } from '../../sources/pcap/dns.js';
import type { NativeDnsTally } from '../../sources/pcap/native-walk-sink.js';

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

  /**
   * The native walk's tally of pool-name messages (native/pcap_walk_dns.h), added as observe() would have left it
   * had it seen each message (entries reported, as observe's caller marks them).
   */
  addNativeTally(t: NativeDnsTally): void {
    const x = t.queries;
    const entries: PoolQuery[] = [];
    for (let i = 0; i < t.names.length; i++) {
      const k = i * TALLY_ENTRY;
      const name = t.names[i] as string;
      // The walk tallies only names isPoolName said yes to.
      const match = this.match(name) as PoolMatch;
      const client = tallyAddr(x, k);
      const addresses: string[] = [];
      for (let a = 0; a < (x[k + 14] as number); a++) addresses.push(tallyAddr(x, k + 15 + a * 5));
      const q: PoolQuery = {
        client,
        server: tallyAddr(x, k + 5),
        name,
        match,
        queries: x[k + 10] as number,
        responses: x[k + 11] as number,
        addresses,
        firstTime: x[k + 12] as number,
        lastTime: x[k + 13] as number,
        reported: true,
      };
      this.queries.set(`${client}\u0000${name}`, q);
      entries.push(q);
    }
    const r = t.resolved;
    for (let k = 0; k < r.length; k += 6) {
      const q = entries[r[k + 5] as number] as PoolQuery;
      this.resolved.set(tallyAddr(r, k), { name: q.name, match: q.match });
      if (r[k] === 4) this.resolvedV4.add((r[k + 1] as number) | 0);
    }
    this.dropped += t.dropped;
  }
}

/** Numbers per entry in NativeDnsTally.queries. */
const TALLY_ENTRY = 95;

/** An address of the native tally (family, then four words at `at`) as text. */
function tallyAddr(x: Float64Array, at: number): string {
  return addrText(
    x[at] as number,
    (x[at + 1] as number) | 0,
    (x[at + 2] as number) | 0,
    (x[at + 3] as number) | 0,
    (x[at + 4] as number) | 0,
  );
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
