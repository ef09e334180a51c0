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

const TRANSPORT: Readonly<Record<string, string>> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6' };

/** `-` (AWS: no value) and anything not a plain non-negative integer read as undefined / NaN. */
function int(s: string | undefined): number {
  if (s === undefined || s === '-' || s === '') return Number.NaN;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number.NaN;
    n = n * 10 + d;
  }
  return n;
}

/** A column that is there and has a value (not `-`) that is not a number. */
function notNumber(cols: readonly string[], i: number, n: number): boolean {
  return i >= 0 && cols[i] !== '-' && Number.isNaN(n);
}

function val(cols: readonly string[], i: number): string | undefined {
  if (i < 0) return undefined;
  const v = cols[i];
  return v === '-' || v === '' ? undefined : v;
}

/**
 * Turns VPC flow log records (space-separated values in the order of the header or the given field list) into flow
 * events. One instance per file: the header line, when there is one, sets the columns.
 */
export class VpcFlowLineParser {
  private cols: ColumnMap;
  private readonly values: string[] = [];
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
      if (names && !this.sawRecord) {
        this.cols = this.columns(names, lineNo);
        return false;
      }
    }
    this.sawRecord = true;
    this.stats.records++;
    const v = this.values;
    let n = 0;
    let pos = 0;
    for (;;) {
      const sp = line.indexOf(' ', pos);
      if (sp < 0) {
        v[n++] = line.slice(pos);
        break;
      }
      if (sp > pos) v[n++] = line.slice(pos, sp);
      pos = sp + 1;
      if (n > 64) break;
    }
    const c = this.cols;
    if (n !== c.count) return this.bad(lineNo, `${n} values where the format has ${c.count} fields`);
    if (c.version >= 0) {
      const version = int(v[c.version]);
      if (!SUPPORTED_VERSIONS.has(version)) {
        this.stats.skipped.unknownVersion++;
        noteProblem(this.stats, lineNo, `flow log version ${v[c.version]} is not read (versions 2-5)`);
        return false;
      }
    }
    if (c.status >= 0 && v[c.status] !== 'OK') {
      const status = v[c.status];
      if (status === 'NODATA' || status === 'SKIPDATA') {
        this.stats.skipped.noData++;
        return false;
      }
      return this.bad(lineNo, `unknown log-status ${status}`);
    }
    const src = val(v, c.pktSrc) ?? val(v, c.src);
    const dst = val(v, c.pktDst) ?? val(v, c.dst);
    if (!src || !dst) return this.bad(lineNo, 'no source or destination address');
    const start = int(v[c.start]);
    const end = c.end >= 0 ? int(v[c.end]) : start;
    const packets = int(v[c.packets]);
    const bytes = int(v[c.bytes]);
    const sport = int(v[c.sport]);
    const dport = int(v[c.dport]);
    const flags = int(v[c.flags]);
    if (
      notNumber(v, c.start, start) ||
      notNumber(v, c.end, end) ||
      notNumber(v, c.packets, packets) ||
      notNumber(v, c.bytes, bytes) ||
      notNumber(v, c.sport, sport) ||
      notNumber(v, c.dport, dport) ||
      notNumber(v, c.flags, flags)
    )
      return this.bad(lineNo, 'a port, count, time or flags value is not a number');
    const actionText = val(v, c.action);
    const action = actionText === 'ACCEPT' ? 'accept' : actionText === 'REJECT' ? 'reject' : undefined;
    if (actionText !== undefined && action === undefined)
      return this.bad(lineNo, `unknown action ${actionText}`);
    const proto = val(v, c.proto);
    const direction = val(v, c.direction);
    const account = val(v, c.account);
    const instanceId = val(v, c.instance);
    const interfaceId = val(v, c.iface);
    const remoteService = direction === 'ingress' ? val(v, c.srcService) : val(v, c.dstService);
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
        'network.transport': proto === undefined ? undefined : (TRANSPORT[proto] ?? proto),
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
        'cloud.region': val(v, c.region),
        'cloud.instanceId': instanceId,
        'cloud.interfaceId': interfaceId,
        'cloud.vpcId': val(v, c.vpc),
        'cloud.subnetId': val(v, c.subnet),
      },
    });
    return true;
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
