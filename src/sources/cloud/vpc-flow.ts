import { MinewardenError } from '../../model/errors.js';
import type { TelemetryEvent } from '../../model/event.js';
import {
  ACTION_ACCEPT,
  ACTION_NONE,
  ACTION_REJECT,
  DIRECTION_EGRESS,
  DIRECTION_INGRESS,
  DIRECTION_NONE,
  type FlowRecord,
  hashKey,
  isIpv4Key,
  isPublicIp,
  isPublicIpv4,
  nextSeq,
} from './flow-record.js';
import type { HostResolver } from './hosts.js';
import { HostResolver as DefaultResolver } from './hosts.js';
import { type ByteSourceOptions, openInput } from './input.js';
import { readJsonRecords } from './json-records.js';
import { ByteLineSplitter } from './lines.js';
import { type CloudReadStats, newStats, noteProblem } from './stats.js';
import {
  type ColumnMap,
  columnMap,
  DEFAULT_FIELDS,
  headerFields,
  SUPPORTED_VERSIONS,
} from './vpc-flow-fields.js';

export type EventSink = (event: TelemetryEvent) => void;
/** Takes a record while it is valid: the reader refills the same object for the next line. */
export type FlowSink = (record: FlowRecord) => void;

export interface VpcFlowOptions extends ByteSourceOptions {
  hosts?: HostResolver;
  /** The log's field list when the records come without a header (CloudWatch Logs, custom formats). */
  fields?: readonly string[];
  maxLine?: number;
  /** Records go here as FlowRecords instead of events (the fast path of `cloudlogs`). */
  onFlow?: FlowSink;
}

const TRANSPORT: Readonly<Record<number, string>> = { 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmpv6' };
/** More values than any format has fields: the line is malformed whatever follows. */
const MAX_VALUES = 64;
/** Slots of the memo of hosts by (instance, interface, account). */
const MEMO_SLOTS = 1 << 16;
const MEMO_MASK = MEMO_SLOTS - 1;
/** Host ids the memo names at most; past it the memo starts over. */
const MEMO_MAX_NAMES = 1 << 20;

/** SUPPORTED_VERSIONS as a table indexed by the version number. */
const VERSION_OK = Uint8Array.from({ length: 16 }, (_, v) => (SUPPORTED_VERSIONS.has(v) ? 1 : 0));

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const INGRESS = enc('ingress');
const EGRESS = enc('egress');
const ACCEPT = enc('ACCEPT');
const REJECT = enc('REJECT');

/** The record of the line the parser holds; its text and event are read from that line's bytes. */
class VpcFlowRecord implements FlowRecord {
  seq = 0;
  readonly source = 'aws-vpc-flow';
  hostId = '';
  time = 0;
  end = 0;
  src = 0;
  dst = 0;
  srcPublic = false;
  dstPublic = false;
  sport = -1;
  dport = -1;
  tcp = false;
  packets = 0;
  bytes = 0;
  replyPackets = 0;
  replyBytes = 0;
  action = ACTION_NONE;
  direction = DIRECTION_NONE;
  remoteService = false;
  local = 0;
  remote = 0;
  localPort = -1;
  remotePort = -1;
  remotePublic = false;
  fromLocal = true;
  localInitiated = true;

  constructor(private readonly p: VpcFlowLineParser) {}

  srcText(): string {
    return this.p.text(this.p.srcAt);
  }

  dstText(): string {
    return this.p.text(this.p.dstAt);
  }

  event(): TelemetryEvent {
    return this.p.currentEvent(this);
  }
}

/**
 * Turns VPC flow log records (space-separated values in the order of the header or the given field list) into flow
 * records. One instance per file: the header line, when there is one, sets the columns. Lines are read as bytes in
 * place: values are offsets into the line, numbers and IPv4 addresses are read digit by digit, and no string is cut
 * unless a rule reports on the line (the host of a line is remembered per distinct set of ids).
 */
export class VpcFlowLineParser {
  private cols: ColumnMap;
  private readonly at = new Int32Array(MAX_VALUES);
  private readonly to = new Int32Array(MAX_VALUES);
  private readonly hosts: HostResolver;
  private readonly hostsByIpv4: ReadonlyMap<number, string>;
  private readonly memo = new Int32Array(MEMO_SLOTS * 4);
  private memoNames: string[] = [];
  private readonly memoIndex = new Map<string, number>();
  private readonly record: VpcFlowRecord;
  private readonly sink: FlowSink;
  private sawRecord = false;
  private h1 = 0;
  private h2 = 0;
  private bytes: Uint8Array = new Uint8Array(0);
  private buf: Buffer = Buffer.alloc(0);
  /** Value indexes of the addresses the current record uses (pkt-* when present). */
  srcAt = -1;
  dstAt = -1;

  constructor(
    private readonly stats: CloudReadStats,
    sink: FlowSink | EventSink,
    hosts: HostResolver | undefined,
    fields: readonly string[] = DEFAULT_FIELDS,
    asRecords = false,
  ) {
    this.hosts = hosts ?? new DefaultResolver();
    this.hostsByIpv4 = this.hosts.ipv4Hosts();
    this.cols = this.columns(fields, 0);
    this.record = new VpcFlowRecord(this);
    this.sink = asRecords ? (sink as FlowSink) : (r: FlowRecord) => (sink as EventSink)(r.event());
  }

  private columns(names: readonly string[], line: number): ColumnMap {
    const m = columnMap(names);
    for (const need of ['srcaddr', 'dstaddr'])
      if (!names.includes(need))
        throw new MinewardenError('MW_INPUT_SCHEMA', `flow log format has no ${need} field`, {
          file: this.stats.file,
          line,
          field: need,
        });
    if (m.unknown.length)
      noteProblem(this.stats, line, `fields not in versions 2-5 read past: ${m.unknown.join(' ')}`);
    return m;
  }

  /** A line given as text (CloudWatch Logs messages). */
  parse(line: string, lineNo: number): boolean {
    const buf = Buffer.from(line, 'latin1');
    return this.parseBytes(
      new Uint8Array(buf.buffer, buf.byteOffset, buf.length),
      buf,
      0,
      buf.length,
      lineNo,
    );
  }

  /** Returns whether the line became a record. `bytes` is a view of `buf`; the line is [start, end). */
  parseBytes(bytes: Uint8Array, buf: Buffer, start: number, end: number, lineNo: number): boolean {
    if (end <= start) return false;
    this.bytes = bytes;
    this.buf = buf;
    const c0 = bytes[start] as number;
    if (c0 >= 97 && c0 <= 122 && !this.sawRecord) {
      // Only the first line can be the header: a later line of words is a broken record.
      const names = headerFields(buf.toString('latin1', start, end));
      if (names) {
        this.sawRecord = true;
        this.cols = this.columns(names, lineNo);
        return false;
      }
    }
    this.sawRecord = true;
    this.stats.records++;
    // Where each value starts and ends; numbers are read from there for the columns that hold them.
    const at = this.at;
    const to = this.to;
    let n = 0;
    let pos = start;
    while (pos < end) {
      if (bytes[pos] === 32) {
        pos++;
        continue;
      }
      at[n] = pos;
      while (++pos < end && bytes[pos] !== 32);
      to[n++] = pos;
      if (n === MAX_VALUES) break;
    }
    const c = this.cols;
    if (n !== c.count) return this.bad(lineNo, `${n} values where the format has ${c.count} fields`);
    if (c.version >= 0) {
      const version = this.int(c.version);
      if (!(version < VERSION_OK.length && VERSION_OK[version] === 1)) {
        this.stats.skipped.unknownVersion++;
        noteProblem(this.stats, lineNo, `flow log version ${this.str(c.version)} is not read (versions 2-5)`);
        return false;
      }
    }
    if (
      c.status >= 0 &&
      !(
        this.width(c.status) === 2 &&
        bytes[at[c.status] as number] === 79 &&
        bytes[(at[c.status] as number) + 1] === 75
      )
    ) {
      const status = this.str(c.status);
      if (status === 'NODATA' || status === 'SKIPDATA') {
        this.stats.skipped.noData++;
        return false;
      }
      return this.bad(lineNo, `unknown log-status ${status}`);
    }
    this.srcAt = this.present(c.pktSrc) ? c.pktSrc : this.present(c.src) ? c.src : -1;
    this.dstAt = this.present(c.pktDst) ? c.pktDst : this.present(c.dst) ? c.dst : -1;
    if (this.srcAt < 0 || this.dstAt < 0) return this.bad(lineNo, 'no source or destination address');
    const startS = this.int(c.start);
    const endS = c.end >= 0 ? this.int(c.end) : startS;
    const packets = this.int(c.packets);
    const nbytes = this.int(c.bytes);
    const sport = this.int(c.sport);
    const dport = this.int(c.dport);
    const flags = this.int(c.flags);
    if (
      (Number.isNaN(startS) && this.present(c.start)) ||
      (Number.isNaN(endS) && this.present(c.end)) ||
      (Number.isNaN(packets) && this.present(c.packets)) ||
      (Number.isNaN(nbytes) && this.present(c.bytes)) ||
      (Number.isNaN(sport) && this.present(c.sport)) ||
      (Number.isNaN(dport) && this.present(c.dport)) ||
      (Number.isNaN(flags) && this.present(c.flags))
    )
      return this.bad(lineNo, 'a port, count, time or flags value is not a number');
    let action = ACTION_NONE;
    if (this.present(c.action)) {
      if (this.is(c.action, ACCEPT)) action = ACTION_ACCEPT;
      else if (this.is(c.action, REJECT)) action = ACTION_REJECT;
      else return this.bad(lineNo, `unknown action ${this.str(c.action)}`);
    }
    const r = this.record;
    r.seq = nextSeq();
    const proto = this.int(c.proto);
    r.tcp = proto === 6 || (Number.isNaN(proto) && this.str(c.proto) === 'tcp');
    r.direction = this.is(c.direction, INGRESS)
      ? DIRECTION_INGRESS
      : this.is(c.direction, EGRESS)
        ? DIRECTION_EGRESS
        : DIRECTION_NONE;
    const ingress = r.direction === DIRECTION_INGRESS;
    r.remoteService = this.present(ingress ? c.srcService : c.dstService);
    this.address(r, true, this.srcAt);
    this.address(r, false, this.dstAt);
    r.time = Number.isNaN(startS) ? 0 : startS * 1000;
    r.end = Number.isNaN(endS) ? r.time : endS * 1000;
    r.sport = Number.isNaN(sport) ? -1 : sport;
    r.dport = Number.isNaN(dport) ? -1 : dport;
    r.packets = Number.isNaN(packets) ? 0 : packets;
    r.bytes = Number.isNaN(nbytes) ? 0 : nbytes;
    r.action = action;
    r.hostId = this.hostOf(ingress);
    this.stats.events++;
    this.sink(r);
    return true;
  }

  /** The value at index i as text (undefined when absent). */
  text(i: number): string {
    return this.buf.toString('latin1', this.at[i], this.to[i]);
  }

  /** The held line as the model's flow event, exactly as the log gave it. */
  currentEvent(r: VpcFlowRecord): TelemetryEvent {
    const c = this.cols;
    const src = this.text(this.srcAt);
    const dst = this.text(this.dstAt);
    const endS = c.end >= 0 ? this.int(c.end) : this.int(c.start);
    const packets = this.int(c.packets);
    const bytes = this.int(c.bytes);
    const flags = this.int(c.flags);
    const proto = this.int(c.proto);
    const direction = this.str(c.direction);
    const t = r.time;
    return {
      kind: 'flow',
      time: t,
      hostId: r.hostId,
      source: 'aws-vpc-flow',
      fields: {
        'source.ip': src,
        'source.port': r.sport < 0 ? undefined : r.sport,
        'destination.ip': dst,
        'destination.port': r.dport < 0 ? undefined : r.dport,
        'network.transport': Number.isNaN(proto) ? this.str(c.proto) : (TRANSPORT[proto] ?? String(proto)),
        'flow.packets': Number.isNaN(packets) ? undefined : packets,
        'flow.bytes': Number.isNaN(bytes) ? undefined : bytes,
        'flow.start': t,
        'flow.end': Number.isNaN(endS) ? t : endS * 1000,
        'flow.action':
          r.action === ACTION_ACCEPT ? 'accept' : r.action === ACTION_REJECT ? 'reject' : undefined,
        'flow.direction': direction,
        'flow.tcpFlags': Number.isNaN(flags) ? undefined : flags,
        'flow.remoteService': direction === 'ingress' ? this.str(c.srcService) : this.str(c.dstService),
        'cloud.provider': 'aws',
        'cloud.account': this.str(c.account),
        'cloud.region': this.str(c.region),
        'cloud.instanceId': this.str(c.instance),
        'cloud.interfaceId': this.str(c.iface),
        'cloud.vpcId': this.str(c.vpc),
        'cloud.subnetId': this.str(c.subnet),
      },
    };
  }

  /** Reads an address value into the record: IPv4 digit by digit, anything else through its text. */
  private address(r: VpcFlowRecord, isSrc: boolean, i: number): void {
    const b = this.bytes;
    const end = this.to[i] as number;
    let value = 0;
    let part = 0;
    let digits = 0;
    let dots = 0;
    let k = this.at[i] as number;
    for (; k < end; k++) {
      const ch = b[k] as number;
      if (ch === 46) {
        if (digits === 0 || dots === 3) break;
        value = value * 256 + part;
        dots++;
        part = 0;
        digits = 0;
      } else if (ch >= 48 && ch <= 57 && digits < 3) {
        part = part * 10 + (ch - 48);
        if (part > 255) break;
        digits++;
      } else break;
    }
    let key: number;
    let pub: boolean;
    if (k === end && dots === 3 && digits > 0) {
      key = (value * 256 + part) | 0;
      pub = isPublicIpv4(key);
    } else {
      const t = this.text(i);
      key = hashKey(t);
      pub = isPublicIp(t);
    }
    if (isSrc) {
      r.src = key;
      r.srcPublic = pub;
    } else {
      r.dst = key;
      r.dstPublic = pub;
    }
  }

  /**
   * The host of the line: by instance, interface, then the local and remote address, as HostResolver.resolve. What
   * the ids give is remembered per distinct (instance, interface, account), found by a 64-bit hash of their bytes:
   * a wrong host would take two id sets sharing all 64 bits (odds around 1 in 10^10 for 65,536 remembered).
   */
  private hostOf(ingress: boolean): string {
    const c = this.cols;
    this.h1 = 0x811c9dc5;
    this.h2 = 0x9747b28c;
    this.hashValue(c.instance);
    this.hashValue(c.iface);
    this.hashValue(c.account);
    // A direct-mapped table of numbers, one 16-byte slot per id set (both hashes, then the hit and fallback host as
    // 1 + their index in `memoNames`; 0 is none): one cache line per line read, where Map entries cost several.
    const o = (this.h1 & MEMO_MASK) * 4;
    const memo = this.memo;
    if (memo[o] !== this.h1 || memo[o + 1] !== this.h2 || memo[o + 3] === 0) {
      const { hit, fallback } = this.hosts.byIds({
        instanceId: this.str(c.instance),
        interfaceId: this.str(c.iface),
        account: this.str(c.account),
      });
      if (this.memoNames.length >= MEMO_MAX_NAMES) {
        memo.fill(0);
        this.memoNames = [];
        this.memoIndex.clear();
      }
      memo[o] = this.h1;
      memo[o + 1] = this.h2;
      memo[o + 2] = hit === undefined ? 0 : this.nameIndex(hit);
      memo[o + 3] = this.nameIndex(fallback);
    }
    const hit = memo[o + 2] as number;
    if (hit !== 0) return this.memoNames[hit - 1] as string;
    if (this.hostsByIpv4.size > 0 || this.hosts.size > 0) {
      const r = this.record;
      const local = ingress ? this.dstAt : this.srcAt;
      const other = ingress ? this.srcAt : this.dstAt;
      const byAddr = (i: number, key: number) =>
        isIpv4Key(key) ? this.hostsByIpv4.get(key) : this.hosts.byAddress(this.text(i));
      const byIp = byAddr(local, ingress ? r.dst : r.src) ?? byAddr(other, ingress ? r.src : r.dst);
      if (byIp !== undefined) return byIp;
    }
    return this.memoNames[(memo[o + 3] as number) - 1] as string;
  }

  private nameIndex(id: string): number {
    let i = this.memoIndex.get(id);
    if (i === undefined) {
      this.memoNames.push(id);
      i = this.memoNames.length;
      this.memoIndex.set(id, i);
    }
    return i;
  }

  /**
   * Two hash lanes over value i's bytes taken four at a time (a multiply and an xor-shift each: a quarter of the
   * serial multiplies of a byte-wise hash), after a mark holding the value's length, so values cannot run together.
   */
  private hashValue(i: number): void {
    let from = 0;
    let end = 0;
    if (i >= 0) {
      from = this.at[i] as number;
      end = this.to[i] as number;
    }
    const mark = 0x1f ^ ((end - from + 1) << 8);
    let a = Math.imul(this.h1 ^ mark, 0x01000193);
    let b = Math.imul(this.h2 ^ mark, 0x5bd1e995);
    const bytes = this.bytes;
    let k = from;
    for (; k + 4 <= end; k += 4) {
      const w =
        (bytes[k] as number) |
        ((bytes[k + 1] as number) << 8) |
        ((bytes[k + 2] as number) << 16) |
        ((bytes[k + 3] as number) << 24);
      a = Math.imul(a ^ w, 0x01000193);
      a ^= a >>> 15;
      b = Math.imul(b ^ w, 0x5bd1e995);
      b ^= b >>> 13;
    }
    for (; k < end; k++) {
      const ch = bytes[k] as number;
      a = Math.imul(a ^ ch, 0x01000193);
      b = Math.imul(b ^ ch, 0x5bd1e995);
    }
    this.h1 = a ^ (a >>> 16);
    this.h2 = b;
  }

  private is(i: number, word: Uint8Array): boolean {
    if (i < 0 || this.width(i) !== word.length) return false;
    const b = this.bytes;
    const from = this.at[i] as number;
    for (let k = 0; k < word.length; k++) if (b[from + k] !== word[k]) return false;
    return true;
  }

  /** The column is in the format and its value is not `-` (AWS: no value). */
  private present(i: number): boolean {
    return i >= 0 && !(this.width(i) === 1 && this.bytes[this.at[i] as number] === 45);
  }

  private width(i: number): number {
    return (this.to[i] as number) - (this.at[i] as number);
  }

  private str(i: number): string | undefined {
    return this.present(i) ? this.text(i) : undefined;
  }

  /** Value i as a non-negative integer read in place; NaN when absent (`-` too) or not digits. */
  private int(i: number): number {
    if (i < 0) return Number.NaN;
    const b = this.bytes;
    const end = this.to[i] as number;
    let v = 0;
    for (let k = this.at[i] as number; k < end; k++) {
      const d = (b[k] as number) - 48;
      if (d < 0 || d > 9) return Number.NaN;
      v = v * 10 + d;
    }
    return v;
  }

  private bad(lineNo: number, message: string): false {
    this.stats.skipped.malformed++;
    noteProblem(this.stats, lineNo, message);
    return false;
  }
}

/**
 * Reads one VPC flow log file: text as delivered to S3 (header line, plain or gzip) or a CloudWatch Logs JSON export
 * (`aws logs filter-log-events`/`get-log-events` output, subscription payloads) whose messages are records.
 * Records go to `o.onFlow` when given (no event is built unless a rule asks), else to `onEvent` as events.
 */
export async function readVpcFlowFile(
  file: string,
  onEvent: EventSink,
  o: VpcFlowOptions = {},
): Promise<CloudReadStats> {
  const isJson = (first: number) => first === 0x7b || first === 0x5b;
  // The line splitter copies the piece of a line it carries over, and records are valid only during their call:
  // text is read into two buffers taken in turn.
  const input = await openInput(file, o, (first) => !isJson(first));
  const json = isJson(input.first);
  const stats = newStats(file, json ? 'aws-vpc-flow-cloudwatch' : 'aws-vpc-flow');
  const parser = o.onFlow
    ? new VpcFlowLineParser(stats, o.onFlow, o.hosts, o.fields, true)
    : new VpcFlowLineParser(stats, onEvent, o.hosts, o.fields);
  if (json) {
    await readJsonRecords(
      input.chunks,
      stats,
      (value, line) => {
        const message = (value as { message?: unknown } | null)?.message;
        if (typeof message !== 'string') {
          stats.skipped.other++;
          noteProblem(stats, line, 'a CloudWatch Logs event without a message string');
          return;
        }
        parser.parse(message.trim(), line);
      },
      o,
    );
  } else {
    const lines = new ByteLineSplitter(
      (bytes, buf, start, end, n) => parser.parseBytes(bytes, buf, start, end, n),
      o.maxLine ?? 64 * 1024,
    );
    for await (const chunk of input.chunks) lines.push(chunk);
    lines.end();
    stats.skipped.tooLarge += lines.tooLong;
    if (lines.tooLong) noteProblem(stats, 0, `${lines.tooLong} line(s) over the line limit skipped`);
  }
  stats.gzip = input.bytes.gzip;
  stats.bytesRead = input.bytes.bytesIn;
  stats.cutOff = input.bytes.cutOff;
  return stats;
}
