import type { EventFields, TelemetryEvent } from '../../model/event.js';
import { BoundedMap } from './bounded-map.js';
import type { AuthFacts, Classified } from './classified.js';
import { classifyAudit, classifyDropbear, classifyPam } from './other-messages.js';
import { normalizePeer } from './peer.js';
import { type LinePrefix, parsePrefix, YearInference } from './prefix.js';
import { classifySshd } from './sshd-messages.js';

export interface AuthParseOptions {
  /** Host id for events whose line names no host. */
  hostId?: string;
  /** Anchor for syslog stamps without a year (file mtime, or now when following). */
  referenceTime: number;
  /**
   * Time for lines that carry none (sshd -E, journal short): the file's time, or a clock when following live (the
   * moment a line is read is then the best estimate of when it was written). Defaults to referenceTime.
   */
  fallbackTime?: number | (() => number);
  /** Lines longer than this are skipped and counted (default 64 KiB). */
  maxLineLength?: number;
  source?: string;
}

export interface AuthParseStats {
  lines: number;
  events: number;
  failures: number;
  successes: number;
  /** Lines skipped as too long, binary, or failures no address could be attributed to. */
  skippedLong: number;
  skippedBinary: number;
  unattributed: number;
}

const SSHD_PROGRAMS = new Set(['sshd', 'sshd-session', 'sshd-auth']);
const MAX_SESSIONS = 20_000;
const MAX_MESSAGE = 2048;
// NUL and C0 controls are never in syslog text (tab and auditd's 0x1d field separator aside): binary garbage.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control bytes is the point.
const BINARY_RE = /[\u0000-\u0008\u000e-\u001c\u001e\u001f]/;

interface Pending {
  facts: AuthFacts;
  prefix: LinePrefix;
  line: string;
}

/**
 * Turns auth-log lines into `auth` events, one line at a time, so a file and a live follow share it. Connection
 * state is kept per (host, program, pid): some OpenSSH failures (`Disconnecting: Too many authentication failures`,
 * `kex_exchange_identification: ...`) name no address, and get it from an earlier line of the same connection or,
 * failing that, from the next one (as fail2ban's multi-line sshd filter does).
 */
export class AuthLogParser {
  readonly stats: AuthParseStats = {
    lines: 0,
    events: 0,
    failures: 0,
    successes: 0,
    skippedLong: 0,
    skippedBinary: 0,
    unattributed: 0,
  };
  private readonly years: YearInference;
  private readonly peers = new BoundedMap<string, string>(MAX_SESSIONS);
  private readonly pending = new BoundedMap<string, Pending>(MAX_SESSIONS);
  private readonly maxLine: number;

  constructor(private readonly opts: AuthParseOptions) {
    this.years = new YearInference(opts.referenceTime);
    this.maxLine = opts.maxLineLength ?? 64 * 1024;
  }

  /** Events for one line (usually none or one; two when a held-back failure gets its address). */
  parseLine(raw: string): TelemetryEvent[] {
    this.stats.lines++;
    if (raw.length > this.maxLine) {
      this.stats.skippedLong++;
      return [];
    }
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length === 0) return [];
    if (BINARY_RE.test(line)) {
      this.stats.skippedBinary++;
      return [];
    }
    const prefix = parsePrefix(line, this.years);
    return this.handle(prefix, line, this.classify(prefix));
  }

  /** Events from a message whose envelope is already known (journal JSON). */
  parseMessage(prefix: LinePrefix, raw: string): TelemetryEvent[] {
    this.stats.lines++;
    if (prefix.message.length > this.maxLine) {
      this.stats.skippedLong++;
      return [];
    }
    return this.handle(prefix, raw, this.classify(prefix));
  }

  /** Failures still waiting for an address when input ended are counted as unattributed. */
  finish(): void {
    this.stats.unattributed += this.pending.size;
  }

  private classify(p: LinePrefix): Classified {
    const msg = p.message;
    if (msg.startsWith('type=')) return classifyAudit(msg);
    const prog = p.program;
    if (prog === undefined || SSHD_PROGRAMS.has(prog)) {
      const c = classifySshd(msg);
      if (c !== null || prog === undefined) return c;
      return msg.startsWith('pam_') || msg.startsWith('(pam_') ? classifyPam(msg) : null;
    }
    if (prog === 'dropbear') return classifyDropbear(msg);
    const c0 = msg.charCodeAt(0);
    return c0 === 112 || c0 === 40 ? classifyPam(msg) : null;
  }

  private handle(prefix: LinePrefix, line: string, c: Classified): TelemetryEvent[] {
    if (c === null) return [];
    const key =
      prefix.pid !== undefined
        ? `${prefix.hostname ?? ''}\u0000${prefix.program ?? ''}\u0000${prefix.pid}`
        : undefined;
    const host = c.host ?? (key !== undefined ? this.peers.get(key) : undefined);
    const out: TelemetryEvent[] = [];
    if (key !== undefined && host !== undefined) {
      this.peers.set(key, host);
      const held = this.pending.get(key);
      if (held) {
        this.pending.delete(key);
        const ev = this.event(held.prefix, held.line, { ...held.facts, host }, prefix.time);
        if (ev) out.push(ev);
      }
    }
    if (c.kind === 'peer') return out;
    if (host === undefined) {
      if (key !== undefined) this.pending.set(key, { facts: c, prefix, line });
      else this.stats.unattributed++;
      return out;
    }
    const ev = this.event(prefix, line, { ...c, host });
    if (ev) out.push(ev);
    return out;
  }

  private fallback(): number {
    const f = this.opts.fallbackTime;
    return typeof f === 'function' ? f() : (f ?? this.opts.referenceTime);
  }

  private event(prefix: LinePrefix, line: string, f: AuthFacts, lateTime?: number): TelemetryEvent | null {
    const peer = f.host !== undefined ? normalizePeer(f.host) : null;
    if (!peer) {
      this.stats.unattributed++;
      return null;
    }
    const fields: Record<string, EventFields[string]> = {
      'auth.outcome': f.outcome,
      'auth.reason': f.reason,
      'log.message': line.length > MAX_MESSAGE ? line.slice(0, MAX_MESSAGE) : line,
    };
    if ('ip' in peer) fields['source.ip'] = peer.ip;
    else fields['source.domain'] = peer.domain;
    if (f.port !== undefined) fields['source.port'] = f.port;
    if (f.method !== undefined) fields['auth.method'] = f.method;
    if (f.user !== undefined) fields['auth.user'] = f.user;
    if (f.invalidUser !== undefined) fields['auth.invalidUser'] = f.invalidUser;
    if (f.count !== undefined && f.count > 1) fields['auth.count'] = f.count;
    if (prefix.program !== undefined) fields['log.program'] = prefix.program;
    if (prefix.pid !== undefined) fields['log.pid'] = prefix.pid;
    if (prefix.hostname !== undefined) fields['log.hostname'] = prefix.hostname;
    if (f.outcome === 'failure') this.stats.failures++;
    else this.stats.successes++;
    this.stats.events++;
    return {
      kind: 'auth',
      time: prefix.time ?? f.time ?? lateTime ?? this.fallback(),
      hostId: prefix.hostname ?? this.opts.hostId ?? 'unknown',
      source: this.opts.source ?? 'authlog',
      fields,
    };
  }
}
