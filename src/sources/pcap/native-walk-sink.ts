// The contract between the native capture walk (native-walk.ts, native/pcap_walk.cc) and the wire analyzer that
// consumes it: what the walk hands over, what the sink answers, and the counters it returns.
import type { PacketView } from './decode.js';
import type { DnsMessage } from './dns.js';
import type { CaptureSummary } from './reader.js';

/**
 * Where things are in a TCP segment's payload, found by the walk while it copies the payload out (offsets from the
 * payload's start, -1 when absent): the first and last newline; the first and last `"method"` key; and the method
 * name after the first key, as jsonrpc.ts findMethod reads it on the line holding that key (-1: it reads none).
 */
export interface PayloadMarks {
  firstNewline: number;
  lastNewline: number;
  firstMethodKey: number;
  lastMethodKey: number;
  methodStart: number;
  methodEnd: number;
}

/** What the analyzer does with the walk's output. Views and buffers are valid only during the call. */
export interface NativeWalkSink {
  /**
   * A flow's first segment JS sees follows (its first payload the sniff may recognise): `v` holds the flow's ends as
   * first seen (s: a, d: b), with the time of its first packet, the client side known so far (-1 unknown) and the
   * payload segments before it that showed nothing.
   */
  flowOpened(id: number, v: PacketView, firstTime: number, clientDir: number, misses: number): void;
  /**
   * A segment of flow `id` (payload, or a SYN): `v` holds flags, seq and the payload position in `buf`, `marks`
   * where things are in the payload. Returns 0 to keep receiving the flow's segments, 2 + its client side (-1..1)
   * once it needs no more payload, -1 to let the walk count the flow's plain lines itself (countingState says
   * how the flow stands; flowCounts later gets the sums), or -2 while it probes the flow as HTTP (segments that
   * start no HTTP head or JSON message then only count, up to the probe limit of 64 payload packets).
   */
  flowSegment(
    id: number,
    dir: number,
    buf: Buffer,
    v: PacketView,
    time: number,
    payloadPackets: number,
    marks: PayloadMarks,
  ): number;
  /**
   * After a -1 answer: writes at w[at..at+5] the flow's messages read, its flags (1 agent unknown, 2 login unknown,
   * 4 identity parses left, 8 Monero protocol) and per direction whether its stream stands at a line start (1/0)
   * and the sequence number it expects next.
   */
  countingState(id: number, w: Int32Array, at: number): void;
  /**
   * The sums of lines the walk counted for flow `id` (native/pcap_walk_lines.h WriteSums, at byte `at` of `buf`,
   * which `words` views as native-order int32 words), in order before any later segment; `done` when they reach the
   * inspection limit. Answers as flowSegment does.
   */
  flowCounts(id: number, buf: Buffer, words: Int32Array, at: number, done: boolean): number;
  /** Known JSON-RPC method names with their flags for the walk's line counting, "flags:name" per line. */
  readonly nativeMethods: string;
  /**
   * True when nothing is reported as it happens: the walk may then decide flows whose first payload is P2P or a whole
   * TLS ClientHello itself (they are never handed over; NativeWalkCounts says what it found).
   */
  readonly batch: boolean;
  /**
   * A DNS message about a pool name (UDP port 53), read in full as parseDns reads it; `v` holds its addresses. Not
   * called in batch walks, which tally these messages themselves (NativeWalkCounts.dns).
   */
  dnsMessage(msg: DnsMessage, v: PacketView, time: number): void;
  /** Whether a DNS question name (as parseDns reads it) is a pool name; asked once per name. */
  isPoolName(name: string): boolean;
}

/** Per-packet statistics of a capture's wire analysis, counted by the JS analyzer or by the native walk. */
export interface PacketCounters {
  packets: number;
  notIp: number;
  /** Packets whose captured bytes end inside a header (snaplen shorter than the headers). */
  short: number;
  fragments: number;
  tcpPackets: number;
  udpPackets: number;
  /** DNS messages whose question parsed. */
  dnsMessages: number;
}

/** Packet counters of the walk and each flow's totals, by flow id. */
export interface NativeWalkCounts extends PacketCounters {
  /**
   * Per flow, 9 numbers: packets, payload bytes, payload packets, first and last packet time, finished (1/0), client
   * side (-1..1, or 2 when the sink was still inspecting the flow and its own client side stands), payload segments
   * that showed nothing (-1 when the sink saw the flow's payload and counted its own), and what the walk decided from
   * the first payload (0 nothing, 1 Bitcoin P2P, 2 Monero P2P, 3 TLS ClientHello) plus 4 * (1 + the index of its
   * server name in serverNames) when the hello named one.
   */
  flows: Float64Array;
  /** Server names of the ClientHellos the walk read (see flows). */
  serverNames: string[];
  /** Pool-name DNS messages the walk tallied (batch walks; none reach dnsMessage then). */
  dns: NativeDnsTally;
  /** Per flow, 10 words: family, a0..a3, b0..b3, aPort | bPort << 16. */
  flowEnds: Int32Array;
}

/**
 * DNS messages about pool names tallied by the walk as dns-watch.ts observe() tallies them (native/pcap_walk_dns.h):
 * per asking host and name, in first-seen order, 95 numbers (client family and four address words, resolver family
 * and words, queries, responses, first and last time, the number of answered addresses, then 16 slots of family and
 * words) with the names in the same order; per address a pool name resolved to, in first-seen order, its family,
 * words and the entry that resolved it; and the entries over the bound.
 */
export interface NativeDnsTally {
  queries: Float64Array;
  names: string[];
  resolved: Float64Array;
  dropped: number;
}

export type NativeWalkOutcome =
  | { walked: true; summary: CaptureSummary; counts: NativeWalkCounts }
  | { walked: false; reason: string };
