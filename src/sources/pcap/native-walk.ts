import { closeSync, fstatSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { MinewardenError } from '../../model/errors.js';
import { PacketView } from './decode.js';
import type { CaptureSummary } from './reader.js';
import { openError } from './reader.js';

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const PCAP_WALK_ADDON_PATH = resolve(PACKAGE_ROOT, 'build/Release/pcap_walk.node');

/** Event kinds and layout written by native/pcap_walk.cc (see the comment at its top). */
const EV_NEW = 1;
const EV_TCP = 2;
const EV_DNS = 3;
const HEADER_WORDS = 8;
const ADDR_WORDS = 8;
/** Events handed over per call: large enough that calls are few, small enough that payload JS no longer wants is
 * seldom copied (a flow stops being forwarded at the first batch after JS says it is done). */
const BATCH_BYTES = 256 * 1024;
/** Turn the event loop between batches now and then, as the JS reader does every 64 MiB. */
const YIELD_EVERY_BATCHES = 64;

interface NativeResult {
  format: string;
  end: number;
  size: number;
  needed: number;
  overflow: boolean;
  error?: string;
  errorOffset?: number;
  packets: number;
  malformed: number;
  zeroLength: number;
  otherBlocks: number;
  bytes: number;
  unsupportedLink: Float64Array;
  wirePackets: number;
  notIp: number;
  short: number;
  fragments: number;
  tcpPackets: number;
  udpPackets: number;
  flows: Float64Array;
}

interface NativeWalker {
  next(done: Int32Array | null): ArrayBuffer | null;
  result(): NativeResult;
  close(): void;
}

interface PcapWalkAddon {
  abiVersion: number;
  PcapWalk: new (fd: number, maxFlows: number, batchBytes: number) => NativeWalker;
}

/** What the analyzer does with the walk's output. Views and buffers are valid only during the call. */
export interface NativeWalkSink {
  /** A TCP flow seen for the first time (ids count up from 0 in first-seen order); `v` holds its first packet. */
  flowOpened(id: number, v: PacketView, time: number): void;
  /** A segment of flow `id` (payload, or a SYN): `v` holds flags, seq and the payload position in `buf`. */
  flowSegment(
    id: number,
    dir: number,
    buf: Buffer,
    v: PacketView,
    time: number,
    payloadPackets: number,
  ): void;
  /** A UDP datagram to or from port 53 with payload; `v` holds addresses and the payload position. */
  dnsDatagram(buf: Buffer, v: PacketView, time: number): void;
  /** Flows whose payload is no longer wanted since the last call (null when none). */
  takeDone(): Int32Array | null;
}

/** Packet counters of the walk (the analyzer's per-packet statistics) and each flow's totals, by flow id. */
export interface NativeWalkCounts {
  packets: number;
  notIp: number;
  short: number;
  fragments: number;
  tcpPackets: number;
  udpPackets: number;
  /** Per flow: packets, payload bytes, payload packets, last packet time, finished (1/0). */
  flows: Float64Array;
}

export type NativeWalkOutcome =
  | { walked: true; summary: CaptureSummary; counts: NativeWalkCounts }
  | { walked: false; reason: string };

let addon: PcapWalkAddon | null | undefined;
let addonProblem = '';

function isAddon(x: unknown): x is PcapWalkAddon {
  const o = x as Partial<PcapWalkAddon> | null;
  return typeof o === 'object' && o !== null && o.abiVersion === 1 && typeof o.PcapWalk === 'function';
}

/** The native walk addon, loaded once; null (with `nativeWalkProblem()` saying why) when it is not built here. */
export function loadPcapWalkAddon(path = PCAP_WALK_ADDON_PATH): PcapWalkAddon | null {
  if (addon !== undefined && path === PCAP_WALK_ADDON_PATH) return addon;
  let loaded: PcapWalkAddon | null = null;
  try {
    const mod: unknown = createRequire(import.meta.url)(path);
    if (isAddon(mod)) loaded = mod;
    else addonProblem = `${path} is not the expected addon version`;
  } catch (err) {
    addonProblem = `addon not built (${(err as Error).message.split('\n')[0]})`;
  }
  if (path === PCAP_WALK_ADDON_PATH) addon = loaded;
  return loaded;
}

export function nativeWalkProblem(): string {
  return addonProblem;
}

function takeSummary(source: string, r: NativeResult): CaptureSummary {
  if (r.error !== undefined)
    throw new MinewardenError('MW_INPUT_PARSE', `byte offset ${r.errorOffset}: ${r.error}`, { file: source });
  const left = r.size - r.end;
  if (left > 0 && r.format === 'unknown')
    throw new MinewardenError(
      'MW_INPUT_PARSE',
      `byte offset 0: too short (${left} bytes) for a capture header`,
      {
        file: source,
      },
    );
  if (r.size === 0)
    throw new MinewardenError('MW_INPUT_PARSE', 'byte offset 0: empty input, no capture header', {
      file: source,
    });
  const unsupportedLink = new Map<number, number>();
  for (let i = 0; i < r.unsupportedLink.length; i += 2)
    unsupportedLink.set(r.unsupportedLink[i] as number, r.unsupportedLink[i + 1] as number);
  return {
    source,
    format: r.format,
    stats: {
      packets: r.packets,
      malformed: r.malformed,
      zeroLength: r.zeroLength,
      unsupportedLink,
      otherBlocks: r.otherBlocks,
      bytes: r.bytes,
    },
    bytesRead: r.size,
    truncated: left > 0 ? { offset: r.end, missing: Math.max(1, r.needed - left) } : null,
  };
}

/** Hands one batch of events to the sink. */
function deliver(ab: ArrayBuffer, v: PacketView, sink: NativeWalkSink): void {
  const i32 = new Int32Array(ab);
  const f64 = new Float64Array(ab);
  const buf = Buffer.from(ab);
  const n = i32.length;
  let w = 0;
  while (w < n) {
    const head = i32[w] as number;
    const kind = head & 0xff;
    const len = i32[w + 2] as number;
    const time = f64[(w >> 1) + 2] as number;
    if (kind === EV_TCP) {
      v.tcpFlags = (head >>> 16) & 0xff;
      v.seq = i32[w + 3] as number;
      v.payloadOff = (w + HEADER_WORDS) * 4;
      v.payloadLen = len;
      sink.flowSegment(i32[w + 1] as number, (head >>> 8) & 0xff, buf, v, time, i32[w + 6] as number);
      w += HEADER_WORDS + (((len + 7) & ~7) >> 2);
    } else if (kind === EV_NEW || kind === EV_DNS) {
      const a = w + HEADER_WORDS;
      v.s0 = i32[a] as number;
      v.s1 = i32[a + 1] as number;
      v.s2 = i32[a + 2] as number;
      v.s3 = i32[a + 3] as number;
      v.d0 = i32[a + 4] as number;
      v.d1 = i32[a + 5] as number;
      v.d2 = i32[a + 6] as number;
      v.d3 = i32[a + 7] as number;
      if (kind === EV_NEW) {
        const ports = i32[w + 3] as number;
        v.family = len;
        v.proto = 6;
        v.sport = ports & 0xffff;
        v.dport = ports >>> 16;
        sink.flowOpened(i32[w + 1] as number, v, time);
        w += HEADER_WORDS + ADDR_WORDS;
      } else {
        v.family = i32[w + 1] as number;
        v.proto = 17;
        v.payloadOff = (a + ADDR_WORDS) * 4;
        v.payloadLen = len;
        sink.dnsDatagram(buf, v, time);
        w += HEADER_WORDS + ADDR_WORDS + (((len + 7) & ~7) >> 2);
      }
    } else throw new Error(`pcap_walk addon: unknown event kind ${kind} at word ${w}`);
  }
}

/**
 * Walks a capture FILE in native code when the addon is built and `path` is a regular file: records, headers and
 * TCP flow counts never reach JavaScript; the sink gets new flows, the segments it still inspects and DNS
 * datagrams, in packet order. Returns why not otherwise (the caller then uses the JS reader), including when the
 * flow table would pass `maxFlows` (the JS analyzer closes flows out then, which the walk does not mirror).
 */
export async function walkCaptureNative(
  path: string,
  maxFlows: number,
  sink: NativeWalkSink,
): Promise<NativeWalkOutcome> {
  const mod = loadPcapWalkAddon();
  if (!mod) return { walked: false, reason: addonProblem };
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw openError(path, err);
  }
  try {
    if (!fstatSync(fd).isFile()) return { walked: false, reason: 'not a regular file' };
    const walker = new mod.PcapWalk(fd, maxFlows, BATCH_BYTES);
    try {
      const v = new PacketView();
      let batches = 0;
      for (let ab = walker.next(null); ab !== null; ab = walker.next(sink.takeDone())) {
        deliver(ab, v, sink);
        if (++batches % YIELD_EVERY_BATCHES === 0) await yieldToEventLoop();
      }
      const r = walker.result();
      if (r.overflow)
        return { walked: false, reason: `more than ${maxFlows} TCP flows (the JS walk closes flows out)` };
      const summary = takeSummary(path, r);
      return {
        walked: true,
        summary,
        counts: {
          packets: r.wirePackets,
          notIp: r.notIp,
          short: r.short,
          fragments: r.fragments,
          tcpPackets: r.tcpPackets,
          udpPackets: r.udpPackets,
          flows: r.flows,
        },
      };
    } finally {
      walker.close();
    }
  } finally {
    closeSync(fd);
  }
}
