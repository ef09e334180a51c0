import type { Finding } from '../../model/finding.js';
import {
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
import type { DnsMessage } from '../../sources/pcap/dns.js';
import type { NativeWalkCounts, NativeWalkSink, PayloadMarks } from '../../sources/pcap/native-walk-sink.js';
import type { PacketHandler } from '../../sources/pcap/records.js';
import { DnsWatch, type PoolQuery } from './dns-watch.js';
import { sniffFlow, tlsHello } from './first-payload.js';
import {
  Flow,
  FlowTable,
  flowHash,
  type RpcState,
  STATE_DONE,
  STATE_HTTP,
  STATE_JSON,
  STATE_MINING,
  STATE_NEW,
  setStream,
  streamOf,
} from './flow.js';
import { dnsFinding, flowFinding, reportFindings } from './flow-finding.js';
import { flowEnds, Ipv4PoolCache, mayReport, mayReportPlainV4, type ReportContext } from './flow-report.js';
import { HalfStream, type SegmentHint, setHint } from './half-stream.js';
import { readHttpSegment } from './http-rpc.js';
import {
  LIVE_WAIT_MESSAGES,
  MAX_INSPECTED_MESSAGES,
  MAX_JSON_PACKETS,
  MAX_KEPT_FINDINGS,
  MAX_RPC_PROBE,
} from './limits.js';
import { addNativeCounts, mayCountNatively, nativeMethodTable, writeCountingState } from './native-counts.js';
import { applyNativeCounts, type NativeReport, nativeFlows, visitNativeFlows } from './native-flows.js';
import { RpcClassifier } from './rpc-classifier.js';
import { WireDns } from './wire-dns.js';
import { emptyWireStats, type WireOptions, type WireStats } from './wire-stats.js';

export { MAX_INSPECTED_MESSAGES } from './limits.js';
export type { WireOptions, WireStats } from './wire-stats.js';

/**
 * Stratum and pool detection over decoded packets. Pure: packets (with their capture time) in, findings out, no
 * clock and no I/O, so a capture file and a live interface give the same result. Per packet it decodes headers
 * into one reused view and finds the flow by a numeric hash; payload is looked at only while a flow can still turn
 * out to be mining, and then only line by line.
 */
export class WireAnalyzer implements NativeWalkSink {
  readonly stats: WireStats = emptyWireStats();
  readonly flows = new FlowTable();
  private readonly view = new PacketView();
  private readonly dns: DnsWatch;
  private readonly wireDns: WireDns;
  private readonly ctx: ReportContext;
  private readonly classifier: RpcClassifier;
  private readonly closed = new Map<string, Finding>();
  private closedDropped = 0;
  private readonly maxFlows: number;
  private readonly idleMs: number;
  private now = 0;
  /** The flows a native walk's report reads (finishNative); null on the JS path. */
  private nativeReport: NativeReport | null = null;
  /** Flows by the native walk's ids (first-seen order); unused on the JS path. */
  private readonly byId: Flow[] = [];
  private readonly onRecognised = (flow: Flow): void => this.recognised(flow);
  /** Where things are in the current segment's payload, when the native walk said (`buf` null otherwise). */
  private readonly hint: SegmentHint = {
    buf: null,
    first: -1,
    last: -1,
    methodKey: -1,
    lastMethodKey: -1,
    methodStart: -1,
    methodEnd: -1,
  };

  constructor(private readonly opts: WireOptions) {
    this.dns = new DnsWatch(opts.intel ?? null);
    this.wireDns = new WireDns(this.dns, this.stats, (q) => this.emitDns(q));
    this.ctx = {
      host: opts.host,
      intel: opts.intel ?? null,
      dns: this.dns,
      minerPorts: opts.minerPorts ?? new Set(),
      poolByIp: new Map(),
      poolByDomain: new Map(),
      poolV4: new Ipv4PoolCache(),
    };
    this.classifier = new RpcClassifier(this.onRecognised, this.hint);
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
      if ((v.sport === 53 || v.dport === 53) && v.payloadLen > 0) this.wireDns.datagram(buf, v, time);
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
        sniffFlow(flow, dir, buf, off, len, this.onRecognised);
        state = flow.state;
      }
      if (flow.tls !== null) {
        tlsHello(flow, buf, off, len, this.ctx.intel, this.onRecognised);
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
    marks: PayloadMarks,
  ): number {
    const flow = this.byId[id] as Flow;
    // The only counter the detectors read while a flow is inspected; the rest are set once the walk ends.
    flow.payloadPackets = payloadPackets;
    setHint(this.hint, buf, v.payloadOff, marks);
    this.segment(flow, dir, buf, v, time);
    this.hint.buf = null;
    return this.answer(flow);
  }

  /** What the walk does next with a flow's segments (NativeWalkSink.flowSegment). */
  private answer(flow: Flow): number {
    if (flow.state === STATE_DONE) return 2 + flow.clientDir;
    if (flow.state === STATE_HTTP) return -2;
    return this.batch && mayCountNatively(flow) ? -1 : 0;
  }

  readonly nativeMethods = nativeMethodTable();
  get batch(): boolean {
    return this.opts.onFinding === undefined;
  }

  countingState(id: number, w: Int32Array, at: number): void {
    writeCountingState(this.byId[id] as Flow, w, at);
  }

  flowCounts(id: number, buf: Buffer, words: Int32Array, at: number, done: boolean): number {
    const flow = this.byId[id] as Flow;
    const rpc = flow.rpc as RpcState;
    addNativeCounts(rpc, buf, words, at);
    if (done && rpc.messages >= MAX_INSPECTED_MESSAGES && flow.state === STATE_MINING) this.enough(flow);
    return this.answer(flow);
  }

  dnsMessage(msg: DnsMessage, v: PacketView, time: number): void {
    this.wireDns.observe(msg, v, time);
  }

  isPoolName(name: string): boolean {
    return this.dns.isPoolName(name);
  }

  /**
   * The walk's packet statistics, and its flows a report needs (those JS inspected, and the rest that may deserve a
   * finding: to a pool address) in first-seen order with their final counters; `stats.flows` counts them all.
   */
  finishNative(c: NativeWalkCounts): void {
    applyNativeCounts(this.stats, c);
    this.dns.addNativeTally(c.dns);
    const order: Array<Flow | number> = [];
    this.stats.flows = nativeFlows(
      c,
      this.byId,
      (flow) => mayReport(flow, this.ctx),
      (flow) => {
        this.flows.add(flow);
        order.push(flow);
      },
      (id) => order.push(id),
      (a0, b0, aPort, bPort, clientDir) => mayReportPlainV4(this.ctx, a0, b0, aPort, bPort, clientDir),
    );
    this.nativeReport = { counts: c, order };
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
    let stream = streamOf(rpc, dir);
    if (!stream) {
      stream = new HalfStream();
      setStream(rpc, dir, stream);
    }
    this.classifier.begin(flow, dir, t);
    const gaps = stream.gaps;
    const cut = stream.cutLines;
    const h = this.hint;
    stream.push(buf, off, len, seq, syn, this.classifier.onLine, h.buf === buf ? h : null);
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
    rpc.streamA = null;
    rpc.streamB = null;
  }

  private http(flow: Flow, dir: number, buf: Buffer, off: number, len: number, t: number): void {
    if (len === 0) return;
    const rpc = flow.rpc as RpcState;
    this.classifier.begin(flow, dir, t);
    readHttpSegment(rpc, dir, buf, off, len, this.classifier);
    if (flow.state === STATE_HTTP && flow.payloadPackets > MAX_RPC_PROBE) this.giveUp(flow);
    else if (rpc.messages >= MAX_INSPECTED_MESSAGES && flow.state === STATE_MINING) this.enough(flow);
  }

  /** A JSON or HTTP flow that is not mining: drop its buffers and only count from now on. */
  private giveUp(flow: Flow): void {
    flow.state = STATE_DONE;
    flow.rpc = null;
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
      const work = rpc.serverVotesA + rpc.serverVotesB > 0 || rpc.moneroReply;
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
    const native = this.nativeReport;
    const each = native
      ? (visit: (flow: Flow) => void) => visitNativeFlows(native, visit)
      : (visit: (flow: Flow) => void) => {
          for (const flow of this.flows.values()) visit(flow);
        };
    return reportFindings(this.closed, each, this.dns.queries.values(), this.ctx);
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
