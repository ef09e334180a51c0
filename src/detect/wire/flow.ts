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
  streams: [HalfStream | null, HalfStream | null] = [null, null];
  protocol: MiningProtocol | null = null;
  /** Messages read in full (up to the inspection limit). */
  messages = 0;
  methods = new Map<string, number>();
  agent: string | undefined;
  login: string | undefined;
  /** The HTTP User-Agent of getwork-style requests. */
  httpAgent: string | undefined;
  handshake = false;
  /** Per direction: messages only a miner sends, and only a pool sends. */
  clientVotes: [number, number] = [0, 0];
  serverVotes: [number, number] = [0, 0];
  /** Packet time the flow was first recognised as mining. */
  detectedAt = 0;
  moneroReply = false;
  /** Messages travel in HTTP requests and responses (getwork style), not as JSON lines. */
  http = false;
  identityParses = 0;
}

/**
 * One TCP connection. Endpoint "a" is the sender of the first packet we saw; `clientDir` says which side opened the
 * connection once a SYN or the protocol tells (0: a is the client, 1: b is, -1: unknown).
 */
export class Flow {
  next: Flow | null = null;
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

/**
 * TCP flows keyed by their 5-tuple in either direction. The key is a symmetric hash of the two endpoints held in a
 * Map of small integers with chaining, so a lookup costs a few multiplies and compares and builds no string.
 */
export class FlowTable {
  private readonly map = new Map<number, Flow>();
  size = 0;
  /** Direction of the packet last looked up: 0 when it went a->b, 1 for b->a. */
  dir = 0;

  /** The flow of `v`, created if new (then `created` is true). */
  created = false;

  get(v: PacketView, time: number): Flow {
    const h =
      ((mixAddr(v.s0, v.s1, v.s2, v.s3, v.sport) + mixAddr(v.d0, v.d1, v.d2, v.d3, v.dport)) ^ v.family) &
      0x3fffffff;
    const head = this.map.get(h);
    for (let f: Flow | null = head ?? null; f !== null; f = f.next) {
      if (
        f.aPort === v.sport &&
        f.bPort === v.dport &&
        f.a0 === v.s0 &&
        f.b0 === v.d0 &&
        f.a1 === v.s1 &&
        f.a2 === v.s2 &&
        f.a3 === v.s3 &&
        f.b1 === v.d1 &&
        f.b2 === v.d2 &&
        f.b3 === v.d3 &&
        f.family === v.family
      ) {
        this.dir = 0;
        this.created = false;
        return f;
      }
      if (
        f.aPort === v.dport &&
        f.bPort === v.sport &&
        f.a0 === v.d0 &&
        f.b0 === v.s0 &&
        f.a1 === v.d1 &&
        f.a2 === v.d2 &&
        f.a3 === v.d3 &&
        f.b1 === v.s1 &&
        f.b2 === v.s2 &&
        f.b3 === v.s3 &&
        f.family === v.family
      ) {
        this.dir = 1;
        this.created = false;
        return f;
      }
    }
    const flow = new Flow(h, v, time);
    flow.next = head ?? null;
    this.map.set(h, flow);
    this.size++;
    this.dir = 0;
    this.created = true;
    return flow;
  }

  *values(): IterableIterator<Flow> {
    for (const head of this.map.values()) for (let f: Flow | null = head; f; f = f.next) yield f;
  }

  /** Removes every flow `drop` selects; returns how many went. */
  removeWhere(drop: (f: Flow) => boolean): number {
    let removed = 0;
    for (const [h, head] of this.map) {
      let keep: Flow | null = null;
      let tail: Flow | null = null;
      for (let f: Flow | null = head; f; ) {
        const next: Flow | null = f.next;
        if (drop(f)) removed++;
        else {
          f.next = null;
          if (tail) tail.next = f;
          else keep = f;
          tail = f;
        }
        f = next;
      }
      if (keep) this.map.set(h, keep);
      else this.map.delete(h);
    }
    this.size -= removed;
    return removed;
  }
}
