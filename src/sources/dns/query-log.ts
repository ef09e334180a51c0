import type { EventFields, TelemetryEvent } from '../../model/event.js';
import { parsePrefix, YearInference } from '../authlog/prefix.js';

export interface DnsQueryLogOptions {
  referenceTime: number;
  hostId?: string;
  source?: string;
}

export interface DnsQueryLogStats {
  lines: number;
  queries: number;
  replies: number;
  skipped: number;
}

const NAME_RE = /^[A-Za-z0-9_.*-]{1,253}\.?$/;
// dnsmasq (log-queries): "query[A] pool.example from 10.0.0.5", "reply pool.example is 1.2.3.4"
const DNSMASQ_QUERY_RE = /^query\[(\w+)\] (\S+) from (\S+)$/;
const DNSMASQ_REPLY_RE = /^(?:reply|cached|config|\/etc\/hosts) (\S+) is (\S+)$/;
// BIND query log: "client @0x7f.. 10.0.0.5#53422 (pool.example): query: pool.example IN A +E(0)K (10.0.0.1)"
const BIND_RE =
  /(?:^|\s)client (?:@0x[0-9a-f]+ )?(\S+?)#(\d+)(?: \(([^)]*)\))?: (?:view \S+: )?query: (\S+) (\w+) (\w+)/;
const BIND_STAMP_RE = /^(\d{2})-([A-Z][a-z]{2})-(\d{4}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}))? /;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** True when a line looks like a DNS server's query log (cheap test before parsing). */
export function isDnsQueryLine(line: string): boolean {
  return (
    line.includes(' query[') ||
    line.includes(': query: ') ||
    line.includes('dnsmasq[') ||
    line.includes(' reply ')
  );
}

/**
 * DNS queries from dnsmasq `log-queries` lines and BIND query logs (file channel or syslog). Each query becomes a
 * `dns` event (`dns.query`, `dns.type`, `source.ip` = the client); dnsmasq replies add `dns.answers`.
 */
export class DnsQueryLogParser {
  readonly stats: DnsQueryLogStats = { lines: 0, queries: 0, replies: 0, skipped: 0 };
  private readonly years: YearInference;

  constructor(private readonly opts: DnsQueryLogOptions) {
    this.years = new YearInference(opts.referenceTime);
  }

  parseLine(line: string): TelemetryEvent | null {
    this.stats.lines++;
    if (line.length > 8192) {
      this.stats.skipped++;
      return null;
    }
    const bindStamp = BIND_STAMP_RE.exec(line);
    let time: number | undefined;
    let message: string;
    let hostname: string | undefined;
    if (bindStamp) {
      const [, d, mon, y, h, mi, s, ms] = bindStamp;
      time = new Date(
        Number(y),
        MONTHS.indexOf(mon as string),
        Number(d),
        Number(h),
        Number(mi),
        Number(s),
        Number(ms ?? 0),
      ).getTime();
      message = line.slice(bindStamp[0].length);
    } else {
      const p = parsePrefix(line, this.years);
      time = p.time;
      message = p.message;
      hostname = p.hostname;
    }
    const at = time ?? this.opts.referenceTime;
    const q = DNSMASQ_QUERY_RE.exec(message);
    if (q) return this.event(at, hostname, { 'dns.query': q[2], 'dns.type': q[1], 'source.ip': q[3] }, line);
    const b = BIND_RE.exec(message);
    if (b)
      return this.event(
        at,
        hostname,
        { 'dns.query': b[4], 'dns.type': b[6], 'source.ip': b[1], 'source.port': Number(b[2]) },
        line,
      );
    const r = DNSMASQ_REPLY_RE.exec(message);
    if (r && !r[2]?.startsWith('<')) {
      this.stats.replies++;
      return this.event(at, hostname, { 'dns.query': r[1], 'dns.answers': [r[2] as string] }, line, true);
    }
    return null;
  }

  private event(
    time: number,
    hostname: string | undefined,
    f: Record<string, EventFields[string]>,
    line: string,
    reply = false,
  ): TelemetryEvent | null {
    const name = f['dns.query'];
    if (typeof name !== 'string' || !NAME_RE.test(name)) {
      this.stats.skipped++;
      return null;
    }
    if (!reply) this.stats.queries++;
    const fields: Record<string, EventFields[string]> = {
      ...f,
      'dns.query': name.replace(/\.$/, '').toLowerCase(),
      'log.message': line.slice(0, 2048),
    };
    if (hostname) fields['log.hostname'] = hostname;
    return {
      kind: 'dns',
      time,
      hostId: hostname ?? this.opts.hostId ?? 'unknown',
      source: this.opts.source ?? 'dns-query-log',
      fields,
    };
  }
}
