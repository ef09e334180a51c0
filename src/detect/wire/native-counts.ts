import { type Flow, type RpcState, STATE_MINING, setStream, streamOf } from './flow.js';
import { HalfStream } from './half-stream.js';
import {
  CLIENT_METHODS,
  IDENTITY_METHODS,
  METHOD_PROTOCOL,
  MONERO_METHODS,
  methodName,
  SERVER_METHODS,
} from './jsonrpc.js';
import { countMethod, MAX_IDENTITY_PARSES, TELL_AGENT, TELL_LOGIN, tellMask } from './rpc-classifier.js';

/** The method names the walk knows, in the order of nativeMethodTable: it hands a counted name over as its index. */
const KNOWN_NAMES: readonly string[] = [
  ...new Set([
    ...METHOD_PROTOCOL.keys(),
    ...MONERO_METHODS,
    ...CLIENT_METHODS,
    ...SERVER_METHODS,
    ...IDENTITY_METHODS,
  ]),
];

// The native walk counts the plain lines of a mining flow whose handshake JS has read (native/pcap_walk_lines.h), and
// the segments of an HTTP mining flow (native/pcap_walk_http.h): these tell it what JS knows, and add up what it counted. The flags are the header's kMethod* and k*Unknown.

/**
 * Known method names with what classify() does with each, "flags:name" per line, built from the same sets
 * jsonrpc.ts classifies with, so the native count cannot drift from them.
 */
export function nativeMethodTable(): string {
  const lines: string[] = [];
  for (const name of KNOWN_NAMES) {
    const tell = tellMask(name);
    const flags =
      (METHOD_PROTOCOL.has(name) ? 1 : 0) |
      (MONERO_METHODS.has(name) ? 2 : 0) |
      (CLIENT_METHODS.has(name) ? 4 : 0) |
      (SERVER_METHODS.has(name) ? 8 : 0) |
      (IDENTITY_METHODS.has(name) ? 16 : 0) |
      (name === 'login' ? 32 : 0) |
      (name === 'keepalived' ? 64 : 0) |
      (tell & TELL_AGENT ? 128 : 0) |
      (tell & TELL_LOGIN ? 256 : 0);
    lines.push(`${flags}:${name}`);
  }
  return lines.join('\n');
}

/**
 * Whether the walk may count `flow`'s messages (when no finding is reported as it happens: a live report waits on
 * the messages one by one): a mining flow read as JSON lines, or as HTTP once its protocol is known
 * (native/pcap_walk_http.h).
 */
export function mayCountNatively(flow: Flow): boolean {
  return flow.state === STATE_MINING && flow.rpc !== null && (!flow.rpc.http || flow.rpc.protocol !== null);
}

/** How `flow` stands, for the walk (NativeWalkSink.countingState). */
export function writeCountingState(flow: Flow, w: Int32Array, at: number): void {
  const rpc = flow.rpc as RpcState;
  w[at] = rpc.messages;
  w[at + 1] =
    (rpc.agent === undefined ? 1 : 0) |
    (rpc.login === undefined ? 2 : 0) |
    (rpc.identityParses < MAX_IDENTITY_PARSES ? 4 : 0) |
    (rpc.protocol === 'monero-stratum' ? 8 : 0) |
    (rpc.http ? 16 : 0) |
    (rpc.http && rpc.httpAgent === undefined ? 32 : 0);
  for (let dir = 0; dir < 2; dir++) {
    const stream = streamOf(rpc, dir);
    // 2: no stream yet (json() would begin one at the first segment).
    const next = stream ? stream.resumeAt() : -2;
    w[at + 2 + dir * 2] = next === -2 ? 2 : next < 0 ? 0 : 1;
    w[at + 3 + dir * 2] = next < 0 ? 0 : next | 0;
  }
}

/** A counted name's index for an HTTP mining header (kUncappedName in native/pcap_walk_http.h). */
const UNCAPPED_NAME = -2;

/**
 * Adds the walk's sums (WriteSums in native/pcap_walk_lines.h, at byte `at` of `buf`; `words` is the same memory as
 * native-order int32 words, `at` a multiple of 4) to the flow's counts, and moves its streams on past the segments
 * the walk read.
 */
export function addNativeCounts(rpc: RpcState, buf: Buffer, words: Int32Array, at: number): void {
  const h = at >>> 2;
  rpc.messages += words[h] as number;
  if (words[h + 1] === 1) rpc.handshake = true;
  rpc.clientVotesA += words[h + 2] as number;
  rpc.clientVotesB += words[h + 3] as number;
  rpc.serverVotesA += words[h + 4] as number;
  rpc.serverVotesB += words[h + 5] as number;
  const n = words[h + 10] as number;
  let p = at + 52;
  for (let i = 0; i < n; i++) {
    const count = words[p >>> 2] as number;
    const known = words[(p >>> 2) + 1] as number;
    const len = words[(p >>> 2) + 2] as number;
    if (known === UNCAPPED_NAME) {
      // An HTTP mining header, counted as readHttpSegment counts it (no bound on distinct names).
      const name = buf.toString('latin1', p + 12, p + 12 + len);
      rpc.methods.set(name, (rpc.methods.get(name) ?? 0) + count);
    } else {
      // A known name is the one string methodName hands out for it.
      countMethod(
        rpc,
        known >= 0 ? (KNOWN_NAMES[known] as string) : methodName(buf, p + 12, p + 12 + len),
        count,
      );
    }
    p += 12 + ((len + 3) & ~3);
  }
  // Streams the walk read on: where they stand, with the unfinished line it held.
  for (let dir = 0; dir < 2; dir++) {
    const held = words[h + 11 + dir] as number;
    if (words[h + 6 + dir * 2] === 1) {
      const stream = streamOf(rpc, dir) ?? new HalfStream();
      setStream(rpc, dir, stream);
      stream.resumeFrom((words[h + 7 + dir * 2] as number) >>> 0);
      if (held > 0) stream.carry(buf, p, p + held);
    }
    p += (held + 3) & ~3;
  }
}
