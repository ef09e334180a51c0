import { closeSync, fstatSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { MinewardenError } from '../../model/errors.js';
import { packagePath } from '../../util/package-root.js';
import { addrText, PacketView } from './decode.js';
import type { DnsMessage } from './dns.js';
import type { NativeWalkOutcome, NativeWalkSink, PayloadMarks } from './native-walk-sink.js';
import type { CaptureSummary } from './reader.js';
import { openError } from './reader.js';

export const PCAP_WALK_ADDON_PATH = packagePath('build', 'Release', 'pcap_walk.node');

/** Event kinds and layout written by native/pcap_walk.cc into the scratch buffer (see the comment at its top). */
const EV_TCP = 2;
const EV_DNS = 3;
const EV_NAME = 4;
const EV_COUNTS = 5;
/** Int32 word where the sink's counting state goes when it lets the walk count a flow's lines (see countingState). */
const COUNTING_STATE_WORD = 30;
const PAYLOAD_AT = 160;
/** Room for the payload of nearly every packet; larger ones come as a Buffer argument. */
const SCRATCH_BYTES = PAYLOAD_AT + 256 * 1024;
/** Input bytes walked between turns of the event loop, as the JS reader yields every 64 MiB. */
const YIELD_BYTES = 64 * 1024 * 1024;

interface NativeResult {
  format: string;
  end: number;
  size: number;
  needed: number;
  overflow: boolean;
  /** errno of a failed read. */
  readErrno?: number;
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
  dnsMessages: number;
  flows: Float64Array;
  flowEnds: Int32Array;
  serverNames: string;
  dnsQueries: Float64Array;
  dnsNames: string;
  dnsResolved: Float64Array;
  dnsDropped: number;
}

interface NativeWalker {
  next(budgetBytes: number): boolean;
  result(): NativeResult;
  close(): void;
}

export interface PcapWalkAddon {
  abiVersion: number;
  /** Times as Date#toISOString writes them, 24 characters each (garbage for times outside year 0 to 9999). */
  isoTimes(times: Float64Array): string;
  /** findingId (model/finding.ts) of each key as it builds them, 26 characters each. */
  findingIds(keys: readonly string[]): string;
  PcapWalk: new (
    fd: number,
    maxFlows: number,
    scratch: ArrayBuffer,
    onEvent: (big?: Buffer) => number,
    methods: string,
    batch: number,
  ) => NativeWalker;
}

let addon: PcapWalkAddon | null | undefined;
let addonProblem = '';

function isAddon(x: unknown): x is PcapWalkAddon {
  const o = x as Partial<PcapWalkAddon> | null;
  return typeof o === 'object' && o !== null && o.abiVersion === 6 && typeof o.PcapWalk === 'function';
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

function errnoName(n: number): string {
  return Object.entries(osConstants.errno).find(([, v]) => v === n)?.[0] ?? `errno ${n}`;
}

function takeSummary(source: string, r: NativeResult): CaptureSummary {
  if (r.readErrno !== undefined)
    throw new MinewardenError('MW_INPUT_UNREADABLE', `cannot read (${errnoName(r.readErrno)})`, {
      file: source,
    });
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

/** The DNS message of an EV_DNS event (native/pcap_walk.cc DnsEventPayload), with texts as parseDns writes them. */
function dnsMessage(i32: Int32Array, buf: Buffer): DnsMessage {
  const w = PAYLOAD_AT >>> 2;
  const answers = i32[w + 5] as number;
  const addresses: string[] = [];
  let a = w + 6;
  for (let i = 0; i < answers; i++, a += 5)
    addresses.push(
      addrText(
        i32[a] as number,
        i32[a + 1] as number,
        i32[a + 2] as number,
        i32[a + 3] as number,
        i32[a + 4] as number,
      ),
    );
  const at = a << 2;
  return {
    id: i32[w] as number,
    response: i32[w + 1] === 1,
    rcode: i32[w + 2] as number,
    name: buf.toString('latin1', at, at + (i32[w + 4] as number)),
    qtype: i32[w + 3] as number,
    addresses,
  };
}

/** The event handler the addon calls: reads the event from the scratch buffer and hands it to the sink. */
function eventReader(scratch: ArrayBuffer, sink: NativeWalkSink): (big?: Buffer) => number {
  const i32 = new Int32Array(scratch);
  const f64 = new Float64Array(scratch);
  const buf = Buffer.from(scratch);
  const v = new PacketView();
  const marks: PayloadMarks = {
    firstNewline: -1,
    lastNewline: -1,
    firstMethodKey: -1,
    lastMethodKey: -1,
    methodStart: -1,
    methodEnd: -1,
  };
  const ends = (): void => {
    v.s0 = i32[16] as number;
    v.s1 = i32[17] as number;
    v.s2 = i32[18] as number;
    v.s3 = i32[19] as number;
    v.d0 = i32[20] as number;
    v.d1 = i32[21] as number;
    v.d2 = i32[22] as number;
    v.d3 = i32[23] as number;
    v.family = i32[9] as number;
  };
  return (big) => {
    const kind = i32[0] as number;
    const time = f64[6] as number;
    const data = big ?? buf;
    v.payloadOff = big ? 0 : PAYLOAD_AT;
    v.payloadLen = i32[5] as number;
    if (kind === EV_TCP) {
      const id = i32[1] as number;
      if (i32[8] === 1) {
        ends();
        const ports = i32[10] as number;
        v.sport = ports & 0xffff;
        v.dport = ports >>> 16;
        v.proto = 6;
        sink.flowOpened(id, v, f64[7] as number, i32[7] as number, i32[11] as number);
      }
      v.tcpFlags = i32[3] as number;
      v.seq = i32[4] as number;
      marks.firstNewline = i32[24] as number;
      marks.lastNewline = i32[25] as number;
      marks.firstMethodKey = i32[26] as number;
      marks.lastMethodKey = i32[27] as number;
      marks.methodStart = i32[28] as number;
      marks.methodEnd = i32[29] as number;
      const r = sink.flowSegment(id, i32[2] as number, data, v, time, i32[6] as number, marks);
      if (r === -1) sink.countingState(id, i32, COUNTING_STATE_WORD);
      return r;
    }
    if (kind === EV_COUNTS) {
      const id = i32[1] as number;
      const r = sink.flowCounts(id, buf, i32, PAYLOAD_AT, i32[2] === 1);
      if (r === -1) sink.countingState(id, i32, COUNTING_STATE_WORD);
      return r;
    }
    if (kind === EV_DNS) {
      ends();
      v.proto = 17;
      sink.dnsMessage(dnsMessage(i32, buf), v, time);
      return 0;
    }
    if (kind === EV_NAME)
      return sink.isPoolName(data.toString('latin1', v.payloadOff, v.payloadOff + v.payloadLen)) ? 1 : 0;
    throw new Error(`pcap_walk addon: unknown event kind ${kind}`);
  };
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
    const scratch = new ArrayBuffer(SCRATCH_BYTES);
    const walker = new mod.PcapWalk(
      fd,
      maxFlows,
      scratch,
      eventReader(scratch, sink),
      sink.nativeMethods,
      sink.batch ? 1 : 0,
    );
    try {
      while (walker.next(YIELD_BYTES)) await yieldToEventLoop();
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
          dnsMessages: r.dnsMessages,
          flows: r.flows,
          flowEnds: r.flowEnds,
          serverNames: r.serverNames === '' ? [] : r.serverNames.slice(0, -1).split('\n'),
          dns: {
            queries: r.dnsQueries,
            names: r.dnsNames === '' ? [] : r.dnsNames.slice(0, -1).split('\n'),
            resolved: r.dnsResolved,
            dropped: r.dnsDropped,
          },
        },
      };
    } finally {
      walker.close();
    }
  } finally {
    closeSync(fd);
  }
}
