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
import { type CloudReadStats, noteProblem } from './stats.js';
import { vpcFlowEvent } from './vpc-flow-event.js';
import {
  type ColumnMap,
  columnMap,
  DEFAULT_FIELDS,
  headerFields,
  SUPPORTED_VERSIONS,
} from './vpc-flow-fields.js';
import { VpcFlowRecord } from './vpc-flow-record.js';
import { LineValues, MAX_VALUES } from './vpc-flow-values.js';

export type EventSink = (event: TelemetryEvent) => void;
/** Takes a record while it is valid: the reader refills the same object for the next line. */
export type FlowSink = (record: FlowRecord) => void;

/**
 * Slots of the memo of hosts by (instance, interface, account): it starts small, since a watched directory brings
 * many small files (each with a parser of its own), and grows to its largest size as distinct id sets appear.
 */
const MEMO_FIRST_SLOTS = 1 << 8;
const MEMO_MAX_SLOTS = 1 << 16;
/** Host ids the memo names at most; past it the memo starts over. */
const MEMO_MAX_NAMES = 1 << 20;

/** SUPPORTED_VERSIONS as a table indexed by the version number. */
const VERSION_OK = Uint8Array.from({ length: 16 }, (_, v) => (SUPPORTED_VERSIONS.has(v) ? 1 : 0));

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const INGRESS = enc('ingress');
const EGRESS = enc('egress');
const ACCEPT = enc('ACCEPT');
const REJECT = enc('REJECT');

/**
 * Turns VPC flow log records (space-separated values in the order of the header or the given field list) into flow
 * records. One instance per file: the header line, when there is one, sets the columns. Lines are read as bytes in
 * place: values are offsets into the line, numbers and IPv4 addresses are read digit by digit, and no string is cut
 * unless a rule reports on the line (the host of a line is remembered per distinct set of ids).
 */
export class VpcFlowLineParser extends LineValues {
  private cols: ColumnMap;
  private readonly hosts: HostResolver;
  private readonly hostsByIpv4: ReadonlyMap<number, string>;
  private memo = new Int32Array(MEMO_FIRST_SLOTS * 4);
  private memoMask = MEMO_FIRST_SLOTS - 1;
  private memoNames: string[] = [];
  private readonly memoIndex = new Map<string, number>();
  private readonly record: VpcFlowRecord;
  private readonly sink: FlowSink;
  private sawRecord = false;
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
    super();
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

  /** The held line as the model's flow event, exactly as the log gave it. */
  currentEvent(r: FlowRecord): TelemetryEvent {
    return vpcFlowEvent(this, this.cols, this.srcAt, this.dstAt, r);
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
    let o = (this.h1 & this.memoMask) * 4;
    let memo = this.memo;
    if (memo[o] !== this.h1 || memo[o + 1] !== this.h2 || memo[o + 3] === 0) {
      // Past a sixteenth as many names as slots, collisions start to evict often: a bigger table, refilled as lines come.
      if (this.memoNames.length * 16 > this.memoMask && this.memoMask + 1 < MEMO_MAX_SLOTS) {
        const slots = Math.min(MEMO_MAX_SLOTS, (this.memoMask + 1) * 8);
        this.memo = memo = new Int32Array(slots * 4);
        this.memoMask = slots - 1;
        o = (this.h1 & this.memoMask) * 4;
      }
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

  private bad(lineNo: number, message: string): false {
    this.stats.skipped.malformed++;
    noteProblem(this.stats, lineNo, message);
    return false;
  }
}
