import { MinewardenError } from '../../model/errors.js';
import type { TelemetryEvent } from '../../model/event.js';
import type { HostResolver } from './hosts.js';
import { HostResolver as DefaultResolver } from './hosts.js';
import { type ByteSourceOptions, openInput } from './input.js';
import { readJsonRecords } from './json-records.js';
import { LineSplitter } from './lines.js';
import { type CloudReadStats, newStats, noteProblem } from './stats.js';
import {
  type ColumnMap,
  columnMap,
  DEFAULT_FIELDS,
  headerFields,
  SUPPORTED_VERSIONS,
} from './vpc-flow-fields.js';

export type EventSink = (event: TelemetryEvent) => void;

export interface VpcFlowOptions extends ByteSourceOptions {
  hosts?: HostResolver;
  /** The log's field list when the records come without a header (CloudWatch Logs, custom formats). */
  fields?: readonly string[];
  maxLine?: number;
}

const TRANSPORT: Readonly<Record<number, string>> = { 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmpv6' };
/** More values than any format has fields: the line is malformed whatever follows. */
const MAX_VALUES = 64;

/**
 * Turns VPC flow log records (space-separated values in the order of the header or the given field list) into flow
 * events. One instance per file: the header line, when there is one, sets the columns.
 */
export class VpcFlowLineParser {
  private cols: ColumnMap;
  private readonly at = new Int32Array(MAX_VALUES);
  private readonly to = new Int32Array(MAX_VALUES);
  private readonly hosts: HostResolver;
  private sawRecord = false;

  constructor(
    private readonly stats: CloudReadStats,
    private readonly onEvent: EventSink,
    hosts: HostResolver | undefined,
    fields: readonly string[] = DEFAULT_FIELDS,
  ) {
    this.hosts = hosts ?? new DefaultResolver();
    this.cols = this.columns(fields, 0);
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

  /** Returns whether the line became an event. */
  parse(line: string, lineNo: number): boolean {
    if (line.length === 0) return false;
    const c0 = line.charCodeAt(0);
    if (c0 >= 97 && c0 <= 122) {
      const names = headerFields(line);
      // Only the first line can be the header: a later line of words is a broken record.
      if (names && !this.sawRecord) {
        this.sawRecord = true;
        this.cols = this.columns(names, lineNo);
        return false;
      }
    }
    this.sawRecord = true;
    this.stats.records++;
    // Value i spans [at[i], to[i]): offsets, not substrings, so numbers are read in place and only the strings an
    // event keeps are cut out.
    const at = this.at;
    const to = this.to;
    let n = 0;
    let pos = 0;
    const len = line.length;
    while (pos < len && n < MAX_VALUES) {
      let sp = line.indexOf(' ', pos);
      if (sp < 0) sp = len;
      if (sp > pos) {
        at[n] = pos;
        to[n++] = sp;
      }
      pos = sp + 1;
    }
    const c = this.cols;
    if (n !== c.count) return this.bad(lineNo, `${n} values where the format has ${c.count} fields`);
    if (c.version >= 0) {
      const version = this.int(line, c.version);
      if (!SUPPORTED_VERSIONS.has(version)) {
        this.stats.skipped.unknownVersion++;
        noteProblem(
          this.stats,
          lineNo,
          `flow log version ${this.str(line, c.version)} is not read (versions 2-5)`,
        );
        return false;
      }
    }
    if (c.status >= 0 && !(this.width(c.status) === 2 && line.startsWith('OK', this.from(c.status)))) {
      const status = this.str(line, c.status);
      if (status === 'NODATA' || status === 'SKIPDATA') {
        this.stats.skipped.noData++;
        return false;
      }
      return this.bad(lineNo, `unknown log-status ${status}`);
    }
    const src = this.str(line, c.pktSrc) ?? this.str(line, c.src);
    const dst = this.str(line, c.pktDst) ?? this.str(line, c.dst);
    if (!src || !dst) return this.bad(lineNo, 'no source or destination address');
    const start = this.int(line, c.start);
    const end = c.end >= 0 ? this.int(line, c.end) : start;
    const packets = this.int(line, c.packets);
    const bytes = this.int(line, c.bytes);
    const sport = this.int(line, c.sport);
    const dport = this.int(line, c.dport);
    const flags = this.int(line, c.flags);
    if (
      this.notNumber(line, c.start, start) ||
      this.notNumber(line, c.end, end) ||
      this.notNumber(line, c.packets, packets) ||
      this.notNumber(line, c.bytes, bytes) ||
      this.notNumber(line, c.sport, sport) ||
      this.notNumber(line, c.dport, dport) ||
      this.notNumber(line, c.flags, flags)
    )
      return this.bad(lineNo, 'a port, count, time or flags value is not a number');
    let action: string | undefined;
    if (c.action >= 0 && !this.absent(line, c.action)) {
      const w = this.width(c.action);
      if (w === 6 && line.startsWith('ACCEPT', this.from(c.action))) action = 'accept';
      else if (w === 6 && line.startsWith('REJECT', this.from(c.action))) action = 'reject';
      else return this.bad(lineNo, `unknown action ${this.str(line, c.action)}`);
    }
    const proto = c.proto >= 0 ? this.int(line, c.proto) : Number.NaN;
    const direction = this.str(line, c.direction);
    const account = this.str(line, c.account);
    const instanceId = this.str(line, c.instance);
    const interfaceId = this.str(line, c.iface);
    const remoteService =
      direction === 'ingress' ? this.str(line, c.srcService) : this.str(line, c.dstService);
    const hostId = this.hosts.resolve({
      instanceId,
      interfaceId,
      ip: direction === 'ingress' ? dst : src,
      ip2: direction === 'ingress' ? src : dst,
      account,
    });
    const t = Number.isNaN(start) ? 0 : start * 1000;
    this.stats.events++;
    this.onEvent({
      kind: 'flow',
      time: t,
      hostId,
      source: 'aws-vpc-flow',
      fields: {
        'source.ip': src,
        'source.port': Number.isNaN(sport) ? undefined : sport,
        'destination.ip': dst,
        'destination.port': Number.isNaN(dport) ? undefined : dport,
        'network.transport': Number.isNaN(proto)
          ? this.str(line, c.proto)
          : (TRANSPORT[proto] ?? String(proto)),
        'flow.packets': Number.isNaN(packets) ? undefined : packets,
        'flow.bytes': Number.isNaN(bytes) ? undefined : bytes,
        'flow.start': t,
        'flow.end': Number.isNaN(end) ? t : end * 1000,
        'flow.action': action,
        'flow.direction': direction,
        'flow.tcpFlags': Number.isNaN(flags) ? undefined : flags,
        'flow.remoteService': remoteService,
        'cloud.provider': 'aws',
        'cloud.account': account,
        'cloud.region': this.str(line, c.region),
        'cloud.instanceId': instanceId,
        'cloud.interfaceId': interfaceId,
        'cloud.vpcId': this.str(line, c.vpc),
        'cloud.subnetId': this.str(line, c.subnet),
      },
    });
    return true;
  }

  /** Value i is `-` (AWS: no value), or the column is not in the format. */
  private absent(line: string, i: number): boolean {
    return i < 0 || (this.width(i) === 1 && line.charCodeAt(this.from(i)) === 45);
  }

  private from(i: number): number {
    return this.at[i] as number;
  }

  private width(i: number): number {
    return (this.to[i] as number) - (this.at[i] as number);
  }

  private str(line: string, i: number): string | undefined {
    return this.absent(line, i) ? undefined : line.slice(this.at[i], this.to[i]);
  }

  /** A non-negative integer read in place; NaN when absent or not digits. */
  private int(line: string, i: number): number {
    if (this.absent(line, i)) return Number.NaN;
    const end = this.to[i] as number;
    let v = 0;
    for (let k = this.at[i] as number; k < end; k++) {
      const d = line.charCodeAt(k) - 48;
      if (d < 0 || d > 9) return Number.NaN;
      v = v * 10 + d;
    }
    return v;
  }

  private notNumber(line: string, i: number, v: number): boolean {
    return !this.absent(line, i) && Number.isNaN(v);
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
 */
export async function readVpcFlowFile(
  file: string,
  onEvent: EventSink,
  o: VpcFlowOptions = {},
): Promise<CloudReadStats> {
  const input = await openInput(file, o);
  const json = input.first === 0x7b || input.first === 0x5b;
  const stats = newStats(file, json ? 'aws-vpc-flow-cloudwatch' : 'aws-vpc-flow');
  const parser = new VpcFlowLineParser(stats, onEvent, o.hosts, o.fields);
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
    const lines = new LineSplitter((line, n) => parser.parse(line, n), o.maxLine ?? 64 * 1024, 'latin1');
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
