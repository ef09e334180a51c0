import type { PoolIntel } from '../../intel/pools/index.js';
import type { Finding } from '../../model/finding.js';
import type { HostRef } from '../../model/host.js';
import { severityRank } from '../../model/severity.js';
import {
  addrText,
  DECODE_IP_ONLY,
  DECODE_L4,
  DECODE_NOT_IP,
  decodePacket,
  PacketView,
  PROTO_TCP,
  PROTO_UDP,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
} from '../../sources/pcap/decode.js';
import { parseDns } from '../../sources/pcap/dns.js';
import type { NativeWalkCounts, NativeWalkSink } from '../../sources/pcap/native-walk.js';
import type { PacketHandler } from '../../sources/pcap/records.js';
import { clientHelloSni, looksLikeClientHello } from '../../sources/pcap/tls.js';
import { DnsWatch, type PoolQuery } from './dns-watch.js';
import {
  Flow,
  FlowTable,
  flowHash,
  RpcState,
  STATE_DONE,
  STATE_HTTP,
  STATE_JSON,
  STATE_MINING,
  STATE_NEW,
} from './flow.js';
import { dnsFinding, flowEnds, flowFinding, type ReportContext } from './flow-report.js';
import { HalfStream, startsMessage } from './half-stream.js';
import { RpcClassifier } from './rpc-classifier.js';
import { cryptoP2p, hasLineStartJson, isHttpRequest, isHttpResponse, readHttpHead } from './sniff.js';

export interface WireOptions {
  host: HostRef;
  intel?: PoolIntel | null;
  /** Ports pools commonly listen on; only used to tell client from server when no SYN was seen. */
  minerPorts?: ReadonlySet<number>;
  /** Flow table bound; past it idle and uninteresting flows are dropped first. */
  maxFlows?: number;
  /** A flow with no packet for this long (packet time) is closed out when the table is swept. */
  idleMs?: number;
  /** Called once per flow or DNS name as soon as it is recognised (live mode prints these). */
  onFinding?: (f: Finding) => void;
}

export interface WireStats {
  packets: number;
  notIp: number;
  /** Packets whose captured bytes end inside a header (snaplen shorter than the headers). */
  short: number;
  fragments: number;
  tcpPackets: number;
  udpPackets: number;
  flows: number;
  flowsEvicted: number;
  dnsMessages: number;
  /** JSON-RPC lines longer than the line limit, classified by their start and skipped. */
  cutLines: number;
  /** Holes in a TCP stream we could not fill (lost or heavily reordered segments). */
  streamGaps: number;
}

/** Inspect at most this many payload packets of a flow that shows nothing we know. */
const MAX_MISSES = 6;
/** A JSON or HTTP flow that has not shown a mining method after this many payload packets is left alone. */
const MAX_RPC_PROBE = 64;
/** A JSON-looking flow that has not completed enough lines after this many payload packets is left alone. */
const MAX_JSON_PACKETS = 1024;
const MAX_TLS_HELLO = 16 * 1024;
/**
 * Messages of a recognised mining flow read in full: enough for the handshake (agent, login) and the first jobs and
 * submits; after that the flow is only counted (see `enough`), as DPI engines stop once a flow is classified.
 */
export const MAX_INSPECTED_MESSAGES = 16;
/** Live mode: mining messages to wait for the login before reporting a flow anyway. */
const LIVE_WAIT_MESSAGES = 8;
const MAX_KEPT_FINDINGS = 10_000;
/** A ClientHello being collected with nothing held yet. */
const EMPTY = Buffer.alloc(0);

/**
 * Stratum and pool detection over decoded packets. Pure: packets (with their capture time) in, findings out, no
 * clock and no I/O, so a capture file and a live interface give the same result. Per packet it decodes headers
 * into one reused view and finds the flow by a numeric hash; payload is looked at only while a flow can still turn
 * out to be mining, and then only line by line.
 */
export class WireAnalyzer implements NativeWalkSink {
  readonly stats: WireStats = {
    packets: 0,
    notIp: 0,
    short: 0,
    fragments: 0,
    tcpPackets: 0,
    udpPackets: 0,
    flows: 0,
    flowsEvicted: 0,
    dnsMessages: 0,
    cutLines: 0,
    streamGaps: 0,
  };
  readonly flows = new FlowTable();
  private readonly view = new PacketView();
  private readonly dns: DnsWatch;
  private readonly ctx: ReportContext;
  private readonly classifier: RpcClassifier;
  private readonly closed = new Map<string, Finding>();
  private closedDropped = 0;
  private readonly maxFlows: number;
  private readonly idleMs: number;
  private now = 0;
  /** Flows by the native walk's ids (first-seen order); unused on the JS path. */
  private readonly byId: Flow[] = [];

  constructor(private readonly opts: WireOptions) {
    this.dns = new DnsWatch(opts.intel ?? null);
    this.ctx = {
      host: opts.host,
      intel: opts.intel ?? null,
      dns: this.dns,
      minerPorts: opts.minerPorts ?? new Set(),
      poolByIp: new Map(),
    };
    this.classifier = new RpcClassifier((flow) => this.recognised(flow));
    this.maxFlows = opts.maxFlows ?? 100_000;
    this.idleMs = opts.idleMs ?? 15 * 60_000;
  }

  readonly onPacket: PacketHandler = (buf, off, caplen, _orig, time, linkType) => {
    const v = this.view;
    const st = this.stats;
    st.packets++;
    const r = decodePacket(buf, off, caplen, linkType, v);
    if (r !== DECODE_L4) {
      if (r === DECODE_NOT_IP) st.notIp++;
      else if (r === DECODE_IP_ONLY) {
        if (v.fragment) st.fragments++;
      } else st.short++;
      return;
    }
    if (time > this.now) this.now = time;
    if (v.proto === PROTO_TCP) {
      st.tcpPackets++;
      this.tcp(buf, v, time);
    } else if (v.proto === PROTO_UDP) {
      st.udpPackets++;
      if ((v.sport === 53 || v.dport === 53) && v.payloadLen > 0) this.udpDns(buf, v, time);
    }
  };

  private tcp(buf: Buffer, v: PacketView, time: number): void {
    const table = this.flows;
    const flow = table.get(v, time);
    if (table.created) {
      this.stats.flows++;
      if (table.size > this.maxFlows) this.sweep();
    }
    flow.packets++;
    flow.bytes += v.payloadLen;
    flow.lastTime = time;
    if (v.tcpFlags & (TCP_FIN | TCP_RST)) flow.finished = true;
    if (v.payloadLen > 0) flow.payloadPackets++;
    this.segment(flow, table.dir, buf, v, time);
  }

  /**
   * What a segment tells beyond the counters: the client side (from SYNs) and, while the flow may still turn out to
   * be mining, its payload. The native walk calls this only with the segments it can matter for.
   */
  private segment(flow: Flow, dir: number, buf: Buffer, v: PacketView, time: number): void {
    const flags = v.tcpFlags;
    if ((flags & (TCP_SYN | TCP_ACK)) === TCP_SYN) flow.clientDir = dir;
    else if ((flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK) && flow.clientDir < 0)
      flow.clientDir = dir ^ 1;
    let state = flow.state;
    if (state === STATE_DONE) return;
    const syn = (flags & TCP_SYN) !== 0;
    const off = v.payloadOff;
    const len = v.payloadLen;
    if (state === STATE_NEW) {
      if (len === 0) return;
      if (flow.tls === null) {
        this.sniff(flow, dir, buf, off, len);
        state = flow.state;
      }
      if (flow.tls !== null) {
        this.tlsHello(flow, buf, off, len);
        return;
      }
    } else if (len === 0 && !syn) return;
    if (state === STATE_HTTP || (state === STATE_MINING && flow.rpc?.http))
      this.http(flow, dir, buf, off, len, time);
    else if (state === STATE_JSON || state === STATE_MINING)
      this.json(flow, dir, buf, off, len, v.seq, syn, time);
  }

  // The native walk (sources/pcap/native-walk.ts) counts packets and flows itself and hands over only what the
  // detectors read; these feed that into the same code the JS path runs, so findings are the same.

  flowOpened(id: number, v: PacketView, firstTime: number, clientDir: number, misses: number): void {
    const flow = new Flow(flowHash(v), v, firstTime);
    flow.clientDir = clientDir;
    flow.misses = misses;
    this.byId[id] = flow;
  }

  flowSegment(
    id: number,
    dir: number,
    buf: Buffer,
    v: PacketView,
    time: number,
    payloadPackets: number,
  ): number {
    const flow = this.byId[id] as Flow;
    // The only counter the detectors read while a flow is inspected; the rest are set once the walk ends.
    flow.payloadPackets = payloadPackets;
    this.segment(flow, dir, buf, v, time);
    return flow.state === STATE_DONE ? 2 + flow.clientDir : 0;
  }

  dnsDatagram(buf: Buffer, v: PacketView, time: number): void {
    this.udpDns(buf, v, time);
  }

  isPoolName(name: string): boolean {
    return this.dns.isPoolName(name);
  }

  /** The walk's packet statistics; every flow, in first-seen order, with its final counters. */
  finishNative(c: NativeWalkCounts): void {
    const st = this.stats;
    st.packets = c.packets;
    st.notIp = c.notIp;
    st.short = c.short;
    st.fragments = c.fragments;
    st.tcpPackets = c.tcpPackets;
    st.udpPackets = c.udpPackets;
    st.dnsMessages = c.dnsMessages;
    const f = c.flows;
    const e = c.flowEnds;
    const v = new PacketView();
    const n = f.length / 8;
    for (let id = 0; id < n; id++) {
      let flow = this.byId[id];
      const k = id * 8;
      if (flow === undefined) {
        const w = id * 10;
        v.family = e[w] as number;
        v.s0 = e[w + 1] as number;
        v.s1 = e[w + 2] as number;
        v.s2 = e[w + 3] as number;
        v.s3 = e[w + 4] as number;
        v.d0 = e[w + 5] as number;
        v.d1 = e[w + 6] as number;
        v.d2 = e[w + 7] as number;
        v.d3 = e[w + 8] as number;
        v.sport = (e[w + 9] as number) & 0xffff;
        v.dport = (e[w + 9] as number) >>> 16;
        flow = new Flow(flowHash(v), v, f[k + 3] as number);
      }
      flow.packets = f[k] as number;
      flow.bytes = f[k + 1] as number;
      flow.payloadPackets = f[k + 2] as number;
      flow.lastTime = f[k + 4] as number;
      flow.finished = f[k + 5] === 1;
      // 2: JS still inspected the flow at the end, so its own client side stands.
      if (f[k + 6] !== 2) flow.clientDir = f[k + 6] as number;
      const misses = f[k + 7] as number;
      if (misses >= 0) {
        flow.misses = misses;
        if (misses >= MAX_MISSES) flow.state = STATE_DONE;
      }
      this.flows.add(flow);
    }
    st.flows = n;
  }

  /**
   * Decides what an unknown flow is from its first payload bytes; the caller then hands the same bytes to the reader
   * of that kind. Classification only, so the readers are not compiled into it a second time.
   */
  private sniff(flow: Flow, dir: number, buf: Buffer, off: number, len: number): void {
    if (startsMessage(buf, off, len) || hasLineStartJson(buf, off, len)) {
      flow.state = STATE_JSON;
      flow.rpc = new RpcState();
    } else if (isHttpRequest(buf, off, len) || isHttpResponse(buf, off, len)) {
      flow.state = STATE_HTTP;
      flow.rpc = new RpcState();
      flow.rpc.http = true;
    } else if (looksLikeClientHello(buf, off, len)) {
      if (flow.clientDir < 0) flow.clientDir = dir;
      flow.tls = EMPTY;
    } else {
      const p2p = cryptoP2p(buf, off, len);
      if (p2p) {
        flow.p2p = p2p;
        flow.state = STATE_DONE;
        this.recognised(flow);
      } else if (++flow.misses >= MAX_MISSES) flow.state = STATE_DONE;
    }
  }

  private tlsHello(flow: Flow, buf: Buffer, off: number, len: number): void {
    const held = flow.tls as Buffer;
    const all =
      held.length === 0 ? buf.subarray(off, off + len) : Buffer.concat([held, buf.subarray(off, off + len)]);
    const sni = clientHelloSni(all, 0, all.length);
    if (sni === null && all.length < MAX_TLS_HELLO && flow.payloadPackets < 8) {
      flow.tls = Buffer.from(all);
      return;
    }
    flow.tls = null;
    flow.state = STATE_DONE;
    if (sni) {
      flow.sni = sni;
      if (this.ctx.intel?.lookupDomain(sni)) this.recognised(flow);
    }
  }

  private json(
    flow: Flow,
    dir: number,
    buf: Buffer,
    off: number,
    len: number,
    seq: number,
    syn: boolean,
    t: number,
  ) {
    const rpc = flow.rpc as RpcState;
    let stream = rpc.streams[dir];
    if (!stream) {
      stream = new HalfStream();
      rpc.streams[dir] = stream;
    }
    this.classifier.begin(flow, dir, t);
    const gaps = stream.gaps;
    const cut = stream.cutLines;
    stream.push(buf, off, len, seq, syn, this.classifier.onLine);
    this.stats.streamGaps += stream.gaps - gaps;
    this.stats.cutLines += stream.cutLines - cut;
    // Count messages, not packets: a first line split over many segments (or cut at the line limit) must still
    // be classified; the packet bound only ends streams that never finish a line.
    if (flow.state === STATE_JSON && (rpc.messages > MAX_RPC_PROBE || flow.payloadPackets > MAX_JSON_PACKETS))
      this.giveUp(flow);
    else if (rpc.messages >= MAX_INSPECTED_MESSAGES && flow.state === STATE_MINING) this.enough(flow);
  }

  /**
   * A recognised flow whose handshake (if any) is behind us: stop reading its messages, as DPI engines do once a
   * flow is classified. Packets and bytes are still counted; buffers are freed.
   */
  private enough(flow: Flow): void {
    const rpc = flow.rpc as RpcState;
    flow.state = STATE_DONE;
    rpc.streams = [null, null];
  }

  private http(flow: Flow, dir: number, buf: Buffer, off: number, len: number, t: number): void {
    if (len === 0) return;
    const rpc = flow.rpc as RpcState;
    this.classifier.begin(flow, dir, t);
    let body = -1;
    const request = isHttpRequest(buf, off, len);
    if (request || isHttpResponse(buf, off, len)) {
      const head = readHttpHead(buf, off, len);
      if (request) {
        if (head.userAgent) rpc.httpAgent ??= head.userAgent;
        rpc.clientVotes[dir === 0 ? 0 : 1]++;
      }
      if (head.user) rpc.login ??= head.user;
      if (head.miningHeader)
        rpc.methods.set(head.miningHeader, (rpc.methods.get(head.miningHeader) ?? 0) + 1);
      body = head.bodyStart;
    } else if (startsMessage(buf, off, len)) body = off;
    if (body >= 0 && body < off + len && startsMessage(buf, body, off + len - body)) {
      this.classifier.onLine(buf, body, off + len, false);
    }
    if (flow.state === STATE_HTTP && flow.payloadPackets > MAX_RPC_PROBE) this.giveUp(flow);
    else if (rpc.messages >= MAX_INSPECTED_MESSAGES && flow.state === STATE_MINING) this.enough(flow);
  }

  /** A JSON or HTTP flow that is not mining: drop its buffers and only count from now on. */
  private giveUp(flow: Flow): void {
    flow.state = STATE_DONE;
    flow.rpc = null;
  }

  private udpDns(buf: Buffer, v: PacketView, time: number): void {
    // The question first: addresses, answers and text forms are built only for names on the pool lists.
    let msg = parseDns(buf, v.payloadOff, v.payloadLen, false);
    if (!msg) return;
    this.stats.dnsMessages++;
    if (!this.dns.isPoolName(msg.name)) return;
    if (msg.response) msg = parseDns(buf, v.payloadOff, v.payloadLen) ?? msg;
    const src = addrText(v.family, v.s0, v.s1, v.s2, v.s3);
    const dst = addrText(v.family, v.d0, v.d1, v.d2, v.d3);
    const q = this.dns.observe(msg, src, dst, time);
    if (q && !q.reported) this.emitDns(q);
  }

  private emitDns(q: PoolQuery): void {
    q.reported = true;
    this.opts.onFinding?.(dnsFinding(q, this.ctx));
  }

  /**
   * A flow is reportable: in live mode say so as soon as the finding is worth reading. A handshake is waited for
   * until the login is known, the pool has sent work, or a few messages passed; `flushPending` covers the rest.
   */
  private recognised(flow: Flow): void {
    if (flow.reported || !this.opts.onFinding) return;
    const rpc = flow.rpc;
    if (rpc?.protocol) {
      const work = rpc.serverVotes[0] + rpc.serverVotes[1] > 0 || rpc.moneroReply;
      if (rpc.login === undefined && !work && rpc.messages < LIVE_WAIT_MESSAGES) return;
    }
    this.report(flow);
  }

  private report(flow: Flow): void {
    const f = flowFinding(flow, this.ctx);
    if (!f || !this.opts.onFinding) return;
    flow.reported = true;
    this.opts.onFinding(f);
  }

  /** Reports recognised flows still waiting for their login (live mode calls this on each summary tick). */
  flushPending(): void {
    for (const flow of this.flows.values()) if (!flow.reported && flow.rpc?.protocol) this.report(flow);
  }

  /**
   * Keeps the table under its bound: flows idle past the timeout go first, then finished ones, then every flow that
   * is not mining. Reportable flows are turned into findings before they go.
   */
  private sweep(): void {
    const idleBefore = this.now - this.idleMs;
    const target = Math.floor(this.maxFlows * 0.9);
    const close = (f: Flow) => {
      this.keep(f);
      return true;
    };
    let removed = this.flows.removeWhere((f) => (f.lastTime < idleBefore || f.finished ? close(f) : false));
    if (this.flows.size > target)
      removed += this.flows.removeWhere((f) => (f.state !== STATE_MINING ? close(f) : false));
    if (this.flows.size > target) removed += this.flows.removeWhere(close);
    this.stats.flowsEvicted += removed;
  }

  private keep(flow: Flow): void {
    const f = flowFinding(flow, this.ctx);
    if (!f) return;
    if (this.closed.has(f.id) || this.closed.size < MAX_KEPT_FINDINGS) this.closed.set(f.id, f);
    else this.closedDropped++;
  }

  /** Findings of every flow and pool name seen so far, most severe first. Counts are as of now. */
  findings(): Finding[] {
    const out = new Map(this.closed);
    for (const flow of this.flows.values()) {
      const f = flowFinding(flow, this.ctx);
      if (f) out.set(f.id, f);
    }
    for (const q of this.dns.queries.values()) {
      const f = dnsFinding(q, this.ctx);
      out.set(f.id, f);
    }
    // Most severe first, then oldest; the rank is looked up once per finding rather than once per comparison.
    const keyed = [...out.values()].map((f) => ({ f, rank: severityRank(f.severity), time: f.time }));
    keyed.sort((a, b) => b.rank - a.rank || (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    return keyed.map((k) => k.f);
  }

  /** Findings that could not be kept because too many flows were closed out (bounded memory). */
  get findingsDropped(): number {
    return this.closedDropped + this.dns.dropped;
  }

  /** Mining flows open now, for live summaries. */
  miningFlows(): Array<{ tuple: string; protocol: string; packets: number; lastSeen: number }> {
    const out: Array<{ tuple: string; protocol: string; packets: number; lastSeen: number }> = [];
    for (const f of this.flows.values())
      if (f.rpc?.protocol)
        out.push({
          tuple: flowEnds(f, this.ctx.minerPorts).tuple,
          protocol: f.rpc.protocol,
          packets: f.packets,
          lastSeen: f.lastTime,
        });
    return out;
  }
}
