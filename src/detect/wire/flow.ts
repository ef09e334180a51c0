import type { PacketView } from '../../sources/pcap/decode.js';
import type { HalfStream } from './half-stream.js';
import type { MiningProtocol } from './jsonrpc.js';

/** What we know of a flow's payload so far. */
export const STATE_NEW = 0;
export const STATE_JSON = 1;
export const STATE_HTTP = 2;
export const STATE_MINING = 3;
/** Nothing more to learn (encrypted, binary, or plain JSON that is not mining): packets are only counted. */
export const STATE_DONE = 4;

/** The mining-specific part of a flow, allocated only for flows that speak JSON-RPC. */
export class RpcState {
  /** Each direction's stream (sent by endpoint a, by b), once JSON lines were read from it (see streamOf). */
  streamA: HalfStream | null = null;
  streamB: HalfStream | null = null;
  protocol: MiningProtocol | null = null;
  /** Messages read in full (up to the inspection limit). */
  messages = 0;
  methods = new Map<string, number>();
  agent: string | undefined;
  login: string | undefined;
  /** The HTTP User-Agent of getwork-style requests. */
  httpAgent: string | undefined;
  handshake = false;
  /**
   * Per direction (sent by endpoint a, by b): messages only a miner sends, and only a pool sends. Fields, not pairs
   * in arrays: every recognised flow keeps its RpcState to the end of a report, and two arrays each were a quarter
   * of its memory.
   */
  clientVotesA = 0;
  clientVotesB = 0;
  serverVotesA = 0;
  serverVotesB = 0;
  /** Packet time the flow was first recognised as mining. */
  detectedAt = 0;
  moneroReply = false;
  /** Messages travel in HTTP requests and responses (getwork style), not as JSON lines. */
  http = false;
  identityParses = 0;
}

/** The stream of direction `dir` (0: sent by endpoint a, 1: by b), or null. */
export function streamOf(rpc: RpcState, dir: number): HalfStream | null {
  return dir === 0 ? rpc.streamA : rpc.streamB;
}

export function setStream(rpc: RpcState, dir: number, stream: HalfStream | null): void {
  if (dir === 0) rpc.streamA = stream;
  else rpc.streamB = stream;
}

/**
 * One TCP connection. Endpoint "a" is the sender of the first packet we saw; `clientDir` says which side opened the
 * connection once a SYN or the protocol tells (0: a is the client, 1: b is, -1: unknown).
 */
export class Flow {
  family = 0;
  a0 = 0;
  a1 = 0;
  a2 = 0;
  a3 = 0;
  b0 = 0;
  b1 = 0;
  b2 = 0;
  b3 = 0;
  aPort = 0;
  bPort = 0;
  packets = 0;
  bytes = 0;
  payloadPackets = 0;
  firstTime = 0;
  lastTime = 0;
  state = STATE_NEW;
  clientDir = -1;
  /** Payload packets inspected without learning anything. */
  misses = 0;
  finished = false;
  rpc: RpcState | null = null;
  sni: string | undefined;
  /** Bytes of the client's first TLS records, while a ClientHello spans segments. */
  tls: Buffer | null = null;
  p2p: 'bitcoin' | 'monero' | undefined;
  /** A finding was already emitted for this flow (live mode). */
  reported = false;

  constructor(
    readonly hash: number,
    v: PacketView,
    time: number,
  ) {
    this.setEnds(v, time);
  }

  /** The ends of `v` as a (sender) and b, first seen at `time`. */
  setEnds(v: PacketView, time: number): void {
    this.family = v.family;
    this.a0 = v.s0;
    this.a1 = v.s1;
    this.a2 = v.s2;
    this.a3 = v.s3;
    this.b0 = v.d0;
    this.b1 = v.d1;
    this.b2 = v.d2;
    this.b3 = v.d3;
    this.aPort = v.sport;
    this.bPort = v.dport;
    this.firstTime = time;
    this.lastTime = time;
  }
}

function mixAddr(w0: number, w1: number, w2: number, w3: number, port: number): number {
  let h = Math.imul(w0 ^ 0x9e3779b9, 0x85ebca6b);
  h ^= Math.imul(w1 ^ (h >>> 15), 0xc2b2ae35);
  h ^= Math.imul(w2 ^ (h >>> 13), 0x27d4eb2f);
  h ^= Math.imul(w3 ^ (h >>> 16), 0x165667b1);
  h ^= Math.imul(port ^ (h >>> 15), 0x9e3779b1);
  return h ^ (h >>> 16);
}

/** The addresses of `f` are those of `v`, as sent (dir 0) or reversed (dir 1). Ports are compared by the caller. */
function sameEnds(f: Flow, v: PacketView, dir: number): boolean {
  if (f.family !== v.family) return false;
  if (dir === 0)
    return (
      f.a0 === v.s0 &&
      f.b0 === v.d0 &&
      f.a1 === v.s1 &&
      f.a2 === v.s2 &&
      f.a3 === v.s3 &&
      f.b1 === v.d1 &&
      f.b2 === v.d2 &&
      f.b3 === v.d3
    );
  return (
    f.a0 === v.d0 &&
    f.b0 === v.s0 &&
    f.a1 === v.d1 &&
    f.a2 === v.d2 &&
    f.a3 === v.d3 &&
    f.b1 === v.s1 &&
    f.b2 === v.s2 &&
    f.b3 === v.s3
  );
}

/** The flow key of `v`: the same for both directions. */
export function flowHash(v: PacketView): number {
  return (
    ((mixAddr(v.s0, v.s1, v.s2, v.s3, v.sport) + mixAddr(v.d0, v.d1, v.d2, v.d3, v.dport)) ^ v.family) &
    0x3fffffff
  );
}

/**
 * TCP flows keyed by their 5-tuple in either direction. The key is a symmetric hash of the two endpoints; an
 * open-addressing table of (hash, flow number) pairs in typed arrays finds a flow with a probe or two and no
 * allocation, and the flows themselves sit in an array in the order they were first seen.
 */
export class FlowTable {
  /** Flow number + 1 per slot; 0 is empty. */
  private slots = new Int32Array(1024);
  private hashes = new Int32Array(1024);
  private mask = 1023;
  private list: Flow[] = [];
  /** The flow of the previous lookup (null after flows were removed). */
  private last: Flow | null = null;
  size = 0;
  /** Direction of the packet last looked up: 0 when it went a->b, 1 for b->a. */
  dir = 0;

  /** The flow of `v`, created if new (then `created` is true). */
  created = false;

  get(v: PacketView, time: number): Flow {
    // Packets come in bursts of one connection: try the last flow before hashing.
    const last = this.last;
    if (last !== null && last.aPort === v.sport && last.bPort === v.dport && sameEnds(last, v, 0)) {
      this.dir = 0;
      this.created = false;
      return last;
    }
    if (last !== null && last.aPort === v.dport && last.bPort === v.sport && sameEnds(last, v, 1)) {
      this.dir = 1;
      this.created = false;
      return last;
    }
    const f = this.find(v, time);
    this.last = f;
    return f;
  }

  private find(v: PacketView, time: number): Flow {
    const h = flowHash(v);
    const slots = this.slots;
    const hashes = this.hashes;
    const mask = this.mask;
    let i = h & mask;
    for (let n = slots[i] as number; n !== 0; n = slots[i] as number) {
      if (hashes[i] === h) {
        const f = this.list[n - 1] as Flow;
        if (f.aPort === v.sport && f.bPort === v.dport && sameEnds(f, v, 0)) {
          this.dir = 0;
          this.created = false;
          return f;
        }
        if (f.aPort === v.dport && f.bPort === v.sport && sameEnds(f, v, 1)) {
          this.dir = 1;
          this.created = false;
          return f;
        }
      }
      i = (i + 1) & mask;
    }
    const flow = new Flow(h, v, time);
    this.list.push(flow);
    slots[i] = this.list.length;
    hashes[i] = h;
    this.size++;
    if (this.size * 2 > mask) this.rebuild((mask + 1) * 2);
    this.dir = 0;
    this.created = true;
    return flow;
  }

  /** Appends a flow built elsewhere (the native walk's, whose lookups happened there) as the newest one. */
  add(flow: Flow): void {
    const mask = this.mask;
    let i = flow.hash & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.list.push(flow);
    this.slots[i] = this.list.length;
    this.hashes[i] = flow.hash;
    this.size++;
    this.last = null;
    if (this.size * 2 > mask) this.rebuild((mask + 1) * 2);
  }

  /** Re-inserts every flow into a table of `capacity` slots (a power of two). */
  private rebuild(capacity: number): void {
    const slots = new Int32Array(capacity);
    const hashes = new Int32Array(capacity);
    const mask = capacity - 1;
    const list = this.list;
    for (let k = 0; k < list.length; k++) {
      const h = (list[k] as Flow).hash;
      let i = h & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = k + 1;
      hashes[i] = h;
    }
    this.slots = slots;
    this.hashes = hashes;
    this.mask = mask;
  }

  /** Flows in the order they were first seen. */
  values(): IterableIterator<Flow> {
    return this.list.values();
  }

  /** Removes every flow `drop` selects; returns how many went. */
  removeWhere(drop: (f: Flow) => boolean): number {
    const kept: Flow[] = [];
    for (const f of this.list) if (!drop(f)) kept.push(f);
    const removed = this.list.length - kept.length;
    this.last = null;
    this.list = kept;
    this.size = kept.length;
    let capacity = 1024;
    while (capacity <= kept.length * 2) capacity *= 2;
    this.rebuild(capacity);
    return removed;
  }
}
