import { PacketView } from '../../sources/pcap/decode.js';
import type { NativeWalkCounts } from '../../sources/pcap/native-walk-sink.js';
import { Flow, STATE_DONE } from './flow.js';
import { MAX_MISSES } from './limits.js';
import type { WireStats } from './wire-stats.js';

/** The native walk's packet statistics, copied over the JS counters. */
export function applyNativeCounts(st: WireStats, c: NativeWalkCounts): void {
  st.packets = c.packets;
  st.notIp = c.notIp;
  st.short = c.short;
  st.fragments = c.fragments;
  st.tcpPackets = c.tcpPackets;
  st.udpPackets = c.udpPackets;
  st.dnsMessages = c.dnsMessages;
}

/** The ends of flow `id` as the walk packed them (10 words per flow), into `v`. */
function endsOf(e: Int32Array, id: number, v: PacketView): void {
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
}

/**
 * A count read from a Float64Array as a small integer where it fits one. Without an optimizing compiler such a read
 * gives a boxed number even for 3: stored into a Flow, it turns the field into a boxed-double field, which changes
 * the class of every Flow (each one is rebuilt when next touched) and boxes the field in each (about 2.8 MB
 * allocated on the bench/pcap capture). Counts past 2^31 stay as they are.
 */
function count(x: number): number {
  return x === (x | 0) ? x | 0 : x;
}

/** Numbers per flow in NativeWalkCounts.flows. */
const PER_FLOW = 9;

/**
 * What the walk decided from a flow's first payload (NativeWalkCounts.flows, ninth number), as first-payload.ts
 * would have set it: a P2P network, or a ClientHello's server name. The flow is then done.
 */
function setDecided(flow: Flow, x: number, names: readonly string[]): void {
  const kind = x & 3;
  flow.p2p = kind === 1 ? 'bitcoin' : kind === 2 ? 'monero' : undefined;
  flow.sni = x >= 4 ? names[(x >>> 2) - 1] : undefined;
}

/** The walk's final counters of flow `k / PER_FLOW`, onto `flow`. */
function setCounts(flow: Flow, f: Float64Array, k: number, names: readonly string[]): void {
  flow.packets = count(f[k] as number);
  flow.bytes = count(f[k + 1] as number);
  flow.payloadPackets = count(f[k + 2] as number);
  flow.lastTime = f[k + 4] as number;
  flow.finished = f[k + 5] === 1;
  // 2: JS still inspected the flow at the end, so its own client side stands.
  if (f[k + 6] !== 2) flow.clientDir = count(f[k + 6] as number);
  const misses = count(f[k + 7] as number);
  if (misses >= 0) {
    flow.misses = misses;
    if (misses >= MAX_MISSES) flow.state = STATE_DONE;
  }
  const decided = f[k + 8] as number;
  if (decided !== 0) {
    setDecided(flow, decided, names);
    flow.state = STATE_DONE;
  }
}

/**
 * The flows of the walk a report needs, in first-seen order, with their final counters: every flow JS inspected
 * (`byId`, handed to `add`), and of the rest (most of a capture: their payload showed nothing) those `mayReport`
 * keeps, by id (handed to `later`: visitNativeFlows shows them to the report). The rest are looked at through one
 * reused object and never become flows of their own. Returns how many flows the walk had.
 */
export function nativeFlows(
  c: NativeWalkCounts,
  byId: readonly Flow[],
  mayReport: (flow: Flow) => boolean,
  add: (flow: Flow) => void,
  later: (id: number) => void,
  mayReportPlainV4?: (
    a0: number,
    b0: number,
    aPort: number,
    bPort: number,
    clientDir: number,
  ) => boolean | undefined,
): number {
  const f = c.flows;
  const e = c.flowEnds;
  const v = new PacketView();
  const probe = new Flow(0, v, 0);
  const names = c.serverNames;
  const n = f.length / PER_FLOW;
  for (let id = 0; id < n; id++) {
    const flow = byId[id];
    const k = id * PER_FLOW;
    if (flow === undefined) {
      const w = id * 10;
      if (mayReportPlainV4 && f[k + 8] === 0 && e[w] === 4) {
        // Most flows: IPv4, nothing decided from their payload. Asked about from the packed words directly.
        const ports = e[w + 9] as number;
        const may = mayReportPlainV4(
          e[w + 1] as number,
          e[w + 5] as number,
          ports & 0xffff,
          ports >>> 16,
          count(f[k + 6] as number),
        );
        if (may === false) continue;
      }
      // What mayReport reads of a flow JS never saw: its ends, client side (2 never occurs for those) and what the
      // walk decided from its first payload.
      endsOf(e, id, v);
      probe.setEnds(v, 0);
      probe.clientDir = count(f[k + 6] as number);
      setDecided(probe, f[k + 8] as number, names);
      if (mayReport(probe)) later(id);
      continue;
    }
    setCounts(flow, f, k, names);
    add(flow);
  }
  return n;
}

/** A native walk's flows for its report, in first-seen order: Flows JS inspected, and the ids of the rest. */
export interface NativeReport {
  counts: NativeWalkCounts;
  order: Array<Flow | number>;
}

/**
 * Shows `visit` every flow of `r` in order. A flow JS never saw is shown as one reused Flow set to its packed ends
 * and final counters, as a Flow of its own would be: the report reads it during the call and keeps only texts and
 * numbers, and most of a report's flows (peer-to-peer ones) then cost no object that lives to its end.
 */
export function visitNativeFlows(r: NativeReport, visit: (flow: Flow) => void): void {
  const { counts: c, order } = r;
  const v = new PacketView();
  const probe = new Flow(0, v, 0);
  for (const x of order) {
    if (typeof x !== 'number') {
      visit(x);
      continue;
    }
    endsOf(c.flowEnds, x, v);
    probe.setEnds(v, c.flows[x * PER_FLOW + 3] as number);
    setCounts(probe, c.flows, x * PER_FLOW, c.serverNames);
    visit(probe);
  }
}
