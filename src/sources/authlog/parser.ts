import type { TelemetryEvent } from '../../model/event.js';
import { authEvent, capMessage, MAX_MESSAGE } from './auth-event.js';
import { BytePrefixReader } from './byte-prefix.js';
import { scanBytes } from './byte-scan.js';
import type { AuthFacts, Classified } from './classified.js';
import { latin1, utf8 } from './latin1.js';
import { classifyMessage, mayBeAuth } from './message-kind.js';
import {
  W_COUNT,
  W_END,
  W_FAILURE,
  W_HOSTNAME,
  W_HOSTNAME_END,
  W_INVALID,
  W_METHOD,
  W_PEER,
  W_PEER_END,
  W_PEER_HASH,
  W_PEER_ID,
  W_PID,
  W_PROGRAM,
  W_REASON,
  W_STAMP,
  W_START,
  W_STATUS,
  W_USER,
  W_USER_END,
  W_USER_HASH,
  W_USER_ID,
  WALK_ATTEMPT,
  WALK_BINARY,
  WALK_METHODS,
  WALK_PROGRAMS,
  WALK_REASONS,
} from './native-walk.js';
import { type AuthParseOptions, type AuthParseStats, noParseStats } from './parse-options.js';
import { type PeerEntry, PeerNames } from './peer-names.js';
import { PeerTable, PidTable } from './pid-table.js';
import { type LinePrefix, parsePrefix, YearInference } from './prefix.js';
import { ATTEMPT, classifySshdBytes, NOTHING, SshdByteFacts } from './sshd-bytes.js';

export type { AuthParseOptions, AuthParseStats } from './parse-options.js';

// NUL and C0 controls are never in syslog text (tab and auditd's 0x1d field separator aside): binary garbage.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control bytes is the point.
const BINARY_RE = /[\u0000-\u0008\u000e-\u001c\u001e\u001f]/;

/** Returned for the many lines that yield nothing, so they allocate nothing. */
const NONE: TelemetryEvent[] = [];
Object.freeze(NONE);

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
  readonly stats: AuthParseStats = noParseStats();
  private readonly years: YearInference;
  private readonly peers = new PeerTable();
  private readonly names = new PeerNames();
  private readonly pending = new PidTable<Pending>();
  private readonly maxLine: number;
  private readonly envelope: BytePrefixReader;
  /** Where parseLine and parseMessage collect a line's events before copying them out. */
  private readonly scratch: TelemetryEvent[] = [];
  private readonly fast = new SshdByteFacts();

  constructor(private readonly opts: AuthParseOptions) {
    this.years = new YearInference(opts.referenceTime);
    this.maxLine = opts.maxLineLength ?? 64 * 1024;
    this.envelope = new BytePrefixReader(this.years);
  }

  /**
   * The events of one line given as bytes (`buf[start, end)`, newline excluded), appended to `out`: the same
   * events and counts as `parseLine` of the decoded line, but lines that cannot be about a login (other programs'
   * messages, sshd session notes) are recognised on the bytes and never decoded. `decoded` is the line as a
   * string when the caller already has it.
   */
  parseBytes(buf: Buffer, start: number, end: number, out: TelemetryEvent[], decoded?: string): void {
    const r = this.envelope;
    let e = end;
    if (e > start && buf[e - 1] === 13) e--;
    if (e - start > this.maxLine || !r.read(buf, start, e)) {
      for (const ev of this.parseLine(decoded ?? buf.toString('utf8', start, end))) out.push(ev);
      return;
    }
    this.stats.lines++;
    const ms = r.messageStart;
    if (r.programKind === 1 && classifySshdBytes(buf, ms, e, this.fast) && this.fastLine(buf, start, e, out))
      return;
    if (!mayBeAuth(buf, ms, e, r.programKind)) {
      if (scanBytes(buf, ms, e) < 0) this.stats.skippedBinary++;
      // Resolved for its effect only: year inference follows every stamp, as in parseLine.
      else r.time();
      return;
    }
    // One pass over the message bytes answers what BINARY_RE asks of the string (the envelope is printable ASCII)
    // and whether the line is ASCII, which decodes faster as Latin-1 to the same string.
    const kind = scanBytes(buf, ms, e);
    if (kind < 0) {
      this.stats.skippedBinary++;
      return;
    }
    const line =
      decoded !== undefined
        ? decoded.endsWith('\r')
          ? decoded.slice(0, -1)
          : decoded
        : kind === 0
          ? latin1(buf, start, e)
          : utf8(buf, start, e);
    const prefix: LinePrefix = {
      time: r.time(),
      hostname: r.hostname,
      program: r.program,
      pid: r.pid < 0 ? undefined : r.pid,
      message: line.slice(ms - start),
    };
    this.handle(prefix, line, classifyMessage(prefix, r.programKind), out);
  }

  /**
   * A line `classifySshdBytes` read (all printable ASCII): what `handle` would do with its facts, from the byte
   * ranges, with no decoded line unless an event needs one. False, before any state changes, for the cases left to
   * the string path: an address that does not normalize, and a failure held back for this connection.
   */
  private fastLine(buf: Buffer, start: number, end: number, out: TelemetryEvent[]): boolean {
    const f = this.fast;
    const r = this.envelope;
    if (f.kind === NOTHING) {
      // Resolved for its effect only: year inference follows every stamp, as in parseLine.
      r.time();
      return true;
    }
    const entry = this.names.peerOfBytes(buf, f.hostStart, f.hostEnd, f.hostHash);
    if (entry === null) return false;
    const pid = r.pid < 0 ? undefined : r.pid;
    if (pid !== undefined && this.pending.size > 0 && this.pending.get(pid) !== undefined) return false;
    const time = r.time();
    if (pid !== undefined) this.peers.remember(pid, r.hostname, r.program, entry.raw);
    if (f.kind !== ATTEMPT) return true;
    const sink = this.opts.records;
    if (sink === undefined) {
      const line = latin1(buf, start, end);
      const prefix: LinePrefix = {
        time,
        hostname: r.hostname,
        program: r.program,
        pid,
        message: line.slice(r.messageStart - start),
      };
      const facts: AuthFacts = {
        kind: 'auth',
        outcome: f.failure ? 'failure' : 'success',
        reason: f.reason as AuthFacts['reason'],
        method: f.method,
        user: f.userStart < 0 ? undefined : latin1(buf, f.userStart, f.userEnd),
        invalidUser: f.invalidUser,
        host: entry.raw,
        port: f.port,
        count: f.count > 0 ? f.count : undefined,
        time: undefined,
      };
      const ev = this.event(prefix, line, facts, entry);
      if (ev !== null) out.push(ev);
      return true;
    }
    this.counted(f.failure);
    const rec = sink.record;
    rec.time = time;
    rec.failure = f.failure;
    rec.success = !f.failure;
    rec.reason = f.reason;
    rec.method = f.method;
    rec.user = f.userStart < 0 ? undefined : this.names.userOfBytes(buf, f.userStart, f.userEnd, f.userHash);
    rec.invalidUser = f.invalidUser === true;
    rec.count = Math.max(f.count, 1);
    rec.peer = entry.ip ?? entry.domain;
    rec.peerId = -1;
    rec.userId = -1;
    // ASCII: a byte is a character, so the cap on message length is a cap on bytes.
    rec.asciiLine(buf, start, Math.min(end, start + MAX_MESSAGE));
    sink.emit();
    return true;
  }

  /**
   * What `parseBytes` does with the line of native walk record `w[o, o + WALK_RECORD)` (native-walk.ts), which is
   * not WALK_JS: the walk read the envelope and message as `read` and `classifySshdBytes` would, and this does the
   * stateful rest as `fastLine` does. The cases `fastLine` hands on go through `parseBytes` whole, as before.
   */
  parseWalked(buf: Buffer, w: Int32Array, o: number, out: TelemetryEvent[]): void {
    const status = w[o + W_STATUS] as number;
    if (status < WALK_ATTEMPT) {
      this.stats.lines++;
      if (status === WALK_BINARY) this.stats.skippedBinary++;
      else {
        // Resolved for its effect only: year inference follows every stamp, as in parseLine.
        this.envelope.stampFrom(w[o + W_STAMP] as number);
        this.envelope.time();
      }
      return;
    }
    const start = w[o + W_START] as number;
    const end = w[o + W_END] as number;
    const sink = this.opts.records;
    const entry =
      sink === undefined
        ? null
        : this.names.peerOfWalked(
            buf,
            w[o + W_PEER] as number,
            w[o + W_PEER_END] as number,
            w[o + W_PEER_HASH] as number,
            w[o + W_PEER_ID] as number,
          );
    const pid = w[o + W_PID] as number;
    if (entry === null || (pid >= 0 && this.pending.size > 0 && this.pending.get(pid) !== undefined)) {
      this.parseBytes(buf, start, end, out);
      return;
    }
    this.stats.lines++;
    const r = this.envelope;
    r.stampFrom(w[o + W_STAMP] as number);
    const time = r.time();
    if (pid >= 0)
      this.peers.remember(
        pid,
        this.names.hostnameOfBytes(buf, w[o + W_HOSTNAME] as number, w[o + W_HOSTNAME_END] as number),
        WALK_PROGRAMS[w[o + W_PROGRAM] as number],
        entry.raw,
      );
    if (status !== WALK_ATTEMPT || sink === undefined) return;
    const failure = w[o + W_FAILURE] === 1;
    this.counted(failure);
    const rec = sink.record;
    rec.time = time;
    rec.failure = failure;
    rec.success = !failure;
    rec.reason = WALK_REASONS[w[o + W_REASON] as number];
    rec.method = WALK_METHODS[w[o + W_METHOD] as number];
    const userId = w[o + W_USER_ID] as number;
    rec.user = this.names.userOfWalked(
      buf,
      w[o + W_USER] as number,
      w[o + W_USER_END] as number,
      w[o + W_USER_HASH] as number,
      userId,
    );
    rec.userId = rec.user === undefined ? -1 : userId;
    rec.invalidUser = w[o + W_INVALID] === 1;
    rec.count = Math.max(w[o + W_COUNT] as number, 1);
    rec.peer = entry.ip ?? entry.domain;
    rec.peerId = w[o + W_PEER_ID] as number;
    const e = end > start && buf[end - 1] === 13 ? end - 1 : end;
    // ASCII: a byte is a character, so the cap on message length is a cap on bytes.
    rec.asciiLine(buf, start, Math.min(e, start + MAX_MESSAGE));
    sink.emit();
  }

  /** Events for one line (usually none or one; two when a held-back failure gets its address). */
  parseLine(raw: string): TelemetryEvent[] {
    this.stats.lines++;
    if (raw.length > this.maxLine) {
      this.stats.skippedLong++;
      return NONE;
    }
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length === 0) return NONE;
    if (BINARY_RE.test(line)) {
      this.stats.skippedBinary++;
      return NONE;
    }
    const prefix = parsePrefix(line, this.years);
    return this.collect(prefix, line);
  }

  /** Events from a message whose envelope is already known (journal JSON). */
  parseMessage(prefix: LinePrefix, raw: string): TelemetryEvent[] {
    this.stats.lines++;
    if (prefix.message.length > this.maxLine) {
      this.stats.skippedLong++;
      return NONE;
    }
    return this.collect(prefix, raw);
  }

  /** Failures still waiting for an address when input ended are counted as unattributed. */
  finish(): void {
    this.stats.unattributed += this.pending.size;
  }

  /** `handle` for callers that want an array of their own (none allocated when the line yields nothing). */
  private collect(prefix: LinePrefix, line: string): TelemetryEvent[] {
    const scratch = this.scratch;
    this.handle(prefix, line, classifyMessage(prefix), scratch);
    if (scratch.length === 0) return NONE;
    const out = scratch.slice();
    scratch.length = 0;
    return out;
  }

  /** Appends the line's events to `out`. */
  private handle(prefix: LinePrefix, line: string, c: Classified, out: TelemetryEvent[]): void {
    if (c === null) return;
    // Connection state is keyed by pid (a number: cheap to hash) and checked against host and program, so lines
    // of two hosts in one aggregated log never borrow each other's addresses.
    const pid = prefix.pid;
    const hn = prefix.hostname;
    const prog = prefix.program;
    let host: string | undefined;
    // The line's own peer, normalized: looked up once for the connection memory and the event both.
    let entry: PeerEntry | null | undefined;
    if (c.host !== undefined) {
      entry = this.names.peerOf(c.host);
      host = entry?.raw ?? c.host;
    } else if (pid !== undefined) host = this.peers.find(pid, hn, prog);
    if (pid !== undefined && host !== undefined) {
      if (c.host !== undefined) this.peers.remember(pid, hn, prog, host);
      const held = this.pending.size > 0 ? this.pending.get(pid) : undefined;
      if (held !== undefined && held.prefix.hostname === hn && held.prefix.program === prog) {
        this.pending.delete(pid);
        held.facts.host = host;
        const ev = this.event(held.prefix, held.line, held.facts, entry, prefix.time);
        if (ev) out.push(ev);
      }
    }
    if (c.kind === 'peer') return;
    if (host === undefined) {
      if (pid !== undefined) this.pending.set(pid, { facts: c, prefix, line });
      else this.stats.unattributed++;
      return;
    }
    c.host = host;
    const ev = this.event(prefix, line, c, entry);
    if (ev !== null) out.push(ev);
  }

  /** An attempt about to be handed on, in the counts. */
  private counted(failure: boolean): void {
    if (failure) this.stats.failures++;
    else this.stats.successes++;
    this.stats.events++;
  }

  private fallback(): number {
    const f = this.opts.fallbackTime;
    return typeof f === 'function' ? f() : (f ?? this.opts.referenceTime);
  }

  /** `peer` is f.host normalized when the caller has it already (undefined: look it up). */
  private event(
    prefix: LinePrefix,
    line: string,
    f: AuthFacts,
    peer: PeerEntry | null | undefined,
    lateTime?: number,
  ): TelemetryEvent | null {
    if (peer === undefined) peer = f.host !== undefined ? this.names.peerOf(f.host) : null;
    if (!peer) {
      this.stats.unattributed++;
      return null;
    }
    this.counted(f.outcome === 'failure');
    const time = prefix.time ?? f.time ?? lateTime ?? this.fallback();
    const sink = this.opts.records;
    if (sink !== undefined) {
      const r = sink.record;
      r.time = time;
      r.failure = f.outcome === 'failure';
      r.success = f.outcome === 'success';
      r.reason = f.reason;
      r.method = f.method;
      r.user = f.user === undefined ? undefined : this.names.userOf(f.user);
      r.invalidUser = f.invalidUser === true;
      r.count = f.count !== undefined && f.count > 1 ? f.count : 1;
      r.peer = peer.ip ?? peer.domain;
      r.peerId = -1;
      r.userId = -1;
      r.line = capMessage(line);
      sink.emit();
      return null;
    }
    const user = f.user === undefined ? undefined : this.names.userOf(f.user);
    return authEvent(prefix, line, f, peer, time, user, this.opts.hostId, this.opts.source);
  }
}
