import type { TelemetryEvent } from '../../model/event.js';
import type { AuthRecord } from '../../sources/authlog/record.js';
import type { Detector, Hit } from '../detector.js';
import { AttemptLog } from './ssh-attempt-log.js';

// Part of this module's interface: the detectors import them from here.
export { AttemptLog, iso } from './ssh-attempt-log.js';

/**
 * Auth reasons that count as a guessing attempt by default: fail2ban's sshd filter in its default (normal) mode,
 * plus the pre-auth disconnects of a named user and bad banners that CrowdSec's sshd parser also counts. Left out:
 * PAM's `authentication failure` (it doubles the `Failed password` line of the same attempt), and scanner noise
 * (no identification string, key-exchange failures, plain pre-auth closes) that fail2ban counts only in ddos mode.
 */
export const DEFAULT_ATTEMPT_REASONS: readonly string[] = [
  'failed',
  'invalid-user',
  'auth-error',
  'not-allowed',
  'root-refused',
  'refused-connect',
  'auth-fail-disconnect',
  'too-many-failures',
  'max-attempts',
  'change-user',
  'preauth-close-user',
  'bad-banner',
  'audit-failure',
];

/**
 * How many guessing attempts an auth event stands for (0 when it is not one). A line syslog folded
 * (`message repeated 5 times: [...]`) counts once unless `expandRepeats`: fail2ban does not expand them either, and
 * the defaults follow fail2ban so the two agree on the same log; expanding finds short bursts fail2ban misses.
 */
export function attempts(e: TelemetryEvent, reasons: ReadonlySet<string>, expandRepeats = false): number {
  return attemptsOf(new AuthView().of(e), reasons, expandRepeats);
}

function attemptsOf(v: AuthView, reasons: ReadonlySet<string>, expandRepeats: boolean): number {
  if (!v.failure) return 0;
  const reason = v.reason;
  if (reason === undefined || !reasons.has(reason)) return 0;
  return attemptsCounted(v, reason, expandRepeats);
}

/** `attemptsOf` once the reason is known to count. */
function attemptsCounted(v: AuthView, reason: string, expandRepeats: boolean): number {
  // A valid user offering several keys fails publickey for each before one works: not guessing (fail2ban agrees).
  if (reason === 'failed' && v.method === 'publickey' && !v.invalidUser) return 0;
  return expandRepeats ? Math.max(1, v.count) : 1;
}

/**
 * The fields of an auth event the SSH detectors read, taken from the event once however many detectors look at it
 * (seven read the same few fields of every event: reading them once is a measurable part of bench/logs).
 */
export class AuthView implements AuthRecord {
  private current: TelemetryEvent | undefined = undefined;
  /** Changes whenever the view holds another attempt: what per-attempt caches are keyed by. */
  seq = 0;
  time = 0;
  failure = false;
  success = false;
  reason: string | undefined = undefined;
  method: string | undefined = undefined;
  user: string | undefined = undefined;
  invalidUser = false;
  count = 1;
  /** The source address, or its host name when only that was logged. */
  peer: string | undefined = undefined;
  /** AuthRecord.peerId and userId: -1 unless the parser numbered the spellings. */
  peerId = -1;
  userId = -1;
  private lineText: string | undefined = undefined;
  private lineBuf: Uint8Array | undefined = undefined;
  private lineStart = 0;
  private lineEnd = 0;

  get line(): string | undefined {
    const b = this.lineBuf;
    if (b !== undefined) {
      this.lineText = Buffer.prototype.latin1Slice.call(b, this.lineStart, this.lineEnd) as string;
      this.lineBuf = undefined;
    }
    return this.lineText;
  }

  set line(v: string | undefined) {
    this.lineText = v;
    this.lineBuf = undefined;
  }

  asciiLine(buf: Uint8Array, start: number, end: number): void {
    this.lineBuf = buf;
    this.lineStart = start;
    this.lineEnd = end;
  }

  of(e: TelemetryEvent): this {
    if (e === this.current) return this;
    this.current = e;
    this.seq++;
    const f = e.fields;
    this.time = e.time;
    const outcome = f['auth.outcome'];
    this.failure = outcome === 'failure';
    this.success = outcome === 'success';
    this.reason = text(f['auth.reason']);
    this.method = text(f['auth.method']);
    this.user = text(f['auth.user']);
    this.invalidUser = f['auth.invalidUser'] === true;
    const count = f['auth.count'];
    this.count = typeof count === 'number' ? count : 1;
    this.peer = text(f['source.ip']) ?? text(f['source.domain']);
    this.peerId = -1;
    this.userId = -1;
    this.line = text(f['log.message']);
    this.onAttempt?.(this);
    return this;
  }

  /** After its fields were written directly (an `AuthRecord` from the parser): a new attempt, no event behind it. */
  written(): this {
    this.current = undefined;
    this.seq++;
    this.onAttempt?.(this);
    return this;
  }

  /** Set by the SSH detector set that owns this view: runs once per attempt, before any detector reads it. */
  private onAttempt: ((v: AuthView) => void) | undefined = undefined;

  attach(onAttempt: (v: AuthView) => void): void {
    this.onAttempt = onAttempt;
  }
}

/**
 * An SSH detector that can read an attempt from its set's view as well as from an event: `detect(e)` is
 * `observe(view.of(e))`, and the `logs` file path writes attempts into `view` and calls `observe` without events.
 */
export interface AuthViewDetector extends Detector {
  readonly view: AuthView;
  observe(v: AuthView): Hit | null;
  /**
   * Set when `observe` answers null, and changes nothing, for every attempt of the other outcome: the record sink
   * of `logs` then does not call it for those (seven calls per line were a measurable part of bench/logs).
   */
  readonly only?: 'failures' | 'successes';
}

export function isAuthViewDetector(d: Detector): d is AuthViewDetector {
  return typeof (d as Partial<AuthViewDetector>).observe === 'function';
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Attempts counted one way (a set of reasons, folded repeats expanded or not), shared by the detectors that count
 * the same way: the count is worked out once per attempt, and each source keeps one attempt log for all of them.
 * The detectors read the fields below, which SshShared.prepare sets before any of them sees the attempt: done
 * inside each detector (behind a check of the attempt's number) it was compiled into every one of them (bench/logs:
 * TurboFan's work 94 ms instead of 57 with --single-threaded, and 3% more CPU for the run).
 */
export class AttemptCounter {
  /** Guessing attempts the view's current attempt counts as (0: none). */
  n = 0;
  /** For a counted attempt with a peer: its source's record, and that source's attempt log (the attempt added). */
  record: SourceRecord | undefined = undefined;
  log: AttemptLog | undefined = undefined;

  constructor(
    private readonly reasons: ReadonlySet<string>,
    private readonly expandRepeats: boolean,
    /** This counter's attempt log in each source record. */
    readonly slot: number,
  ) {}

  /**
   * Reasons looked up in `reasons` so far, and the answers: reasons come from a short list (the parser's
   * constants, so a compare is a pointer compare), and a set lookup for every attempt showed in bench/logs.
   */
  private readonly seen: string[] = [];
  private readonly seenCounts: boolean[] = [];

  private counts(reason: string): boolean {
    const seen = this.seen;
    for (let k = 0; k < seen.length; k++) if (seen[k] === reason) return this.seenCounts[k] as boolean;
    const counts = this.reasons.has(reason);
    // Bounded: reasons of events from elsewhere could be any string.
    if (seen.length < 32) {
      seen.push(reason);
      this.seenCounts.push(counts);
    }
    return counts;
  }

  /** Sets the fields above for the view's attempt (once per attempt). */
  prepare(v: AuthView, shared: SshShared): void {
    const reason = v.reason;
    const n =
      !v.failure || reason === undefined || !this.counts(reason)
        ? 0
        : attemptsCounted(v, reason, this.expandRepeats);
    this.n = n;
    const peer = v.peer;
    if (n === 0 || peer === undefined) {
      this.record = undefined;
      this.log = undefined;
      return;
    }
    const rec = shared.source(v, peer);
    let log = rec.logs[this.slot];
    if (log === undefined) {
      log = new AttemptLog();
      rec.logs[this.slot] = log;
    }
    log.add(v.time, v.user, log.wantsSample() ? v.line : undefined, n, v.userId);
    this.record = rec;
    this.log = log;
  }
}

/** What the SSH detectors of one set know about one source address; each detector has its own slot. */
export class SourceRecord {
  readonly slots: unknown[] = [];
  readonly logs: (AttemptLog | undefined)[] = [];
}

/**
 * State the SSH detectors of one set share: the per-event view, the counters, and one record per source address
 * looked up once per event instead of once per detector. Detectors made on their own get a set of their own.
 */
export class SshShared {
  readonly view = new AuthView();
  private readonly sources = new KeyedState<SourceRecord>(MAX_TRACKED, () => new SourceRecord());
  private readonly counters = new Map<string, AttemptCounter>();
  /** The same counters, in an array the per-attempt loop walks. */
  private readonly counterList: AttemptCounter[] = [];
  private slots = 0;
  private recSeq = -1;
  private rec: SourceRecord | undefined = undefined;

  constructor() {
    this.view.attach((v) => this.prepare(v));
  }

  /** Every counter's fields for the view's new attempt (AuthView runs this as it takes one). */
  private prepare(v: AuthView): void {
    const list = this.counterList;
    for (let k = 0; k < list.length; k++) (list[k] as AttemptCounter).prepare(v, this);
  }

  counter(reasons: readonly string[] | undefined, expandRepeats: boolean | undefined): AttemptCounter {
    const list = reasons ?? DEFAULT_ATTEMPT_REASONS;
    const key = `${expandRepeats === true}|${[...list].sort().join(',')}`;
    let c = this.counters.get(key);
    if (c === undefined) {
      c = new AttemptCounter(new Set(list), expandRepeats === true, this.counters.size);
      this.counters.set(key, c);
      this.counterList.push(c);
    }
    return c;
  }

  /** A slot for one detector's per-source state. */
  slot(): number {
    return this.slots++;
  }

  /** The record of the viewed attempt's source (created when missing). */
  source(v: AuthView, peer: string): SourceRecord {
    if (v.seq === this.recSeq && this.rec !== undefined) return this.rec;
    const rec = this.sources.getNumbered(peer, v.peerId);
    this.recSeq = v.seq;
    this.rec = rec;
    return rec;
  }

  /** The record of a source, if there is one (a success creates none); `peerId` as in AuthView. */
  peek(peer: string, peerId = -1): SourceRecord | undefined {
    return this.sources.peekNumbered(peer, peerId);
  }
}

export function peerOf(e: TelemetryEvent): string | undefined {
  return text(e.fields['source.ip']) ?? text(e.fields['source.domain']);
}

/**
 * Per-key state in a bounded map: past `max` keys the oldest-created goes first, so hostile input (a million
 * spoofed sources) cannot grow it. Insertion order rather than true LRU: re-ordering on every event cost more than
 * the whole detection (bench/logs), and a source active enough to matter is re-created quickly if evicted.
 */
export class KeyedState<V> {
  private readonly map = new Map<string, V>();
  /** Values by their key's number (AuthRecord.peerId, userId): an array load, not a hash lookup, for nearly every
   * attempt of a log file (bench/logs). Given up for good once the map evicts (past `max` keys, hostile input):
   * it must hold only what the map holds, and refilling it after every eviction would cost more than the map. */
  private byId: (V | undefined)[] = [];
  private numbered = true;
  /**
   * The keys in the order they were added, from `head` on: the map's own order, as keys leave it only by eviction
   * of the oldest. Asking the map for its first key instead walked past every key deleted since its last rehash,
   * so each eviction cost time linear in the map (a log of a million spoofed sources took seconds per 100,000).
   */
  private order: string[] = [];
  private head = 0;

  constructor(
    private readonly max: number,
    private readonly make: () => V,
  ) {}

  get(key: string): V {
    let v = this.map.get(key);
    if (v === undefined) {
      v = this.make();
      if (this.map.size >= this.max) {
        const oldest = this.order[this.head++];
        if (oldest !== undefined) this.map.delete(oldest);
        // Dropped in bulk: shifting one key off the front per eviction would be linear each time.
        if (this.head >= this.max) {
          this.order = this.order.slice(this.head);
          this.head = 0;
        }
        this.numbered = false;
        this.byId = [];
      }
      this.map.set(key, v);
      this.order.push(key);
    }
    return v;
  }

  peek(key: string): V | undefined {
    return this.map.get(key);
  }

  /** `get(key)`, where `id` (-1: none) numbers the key's spelling: each id stands for one key, always. */
  getNumbered(key: string, id: number): V {
    const byId = this.byId;
    let v = id >= 0 && id < byId.length ? byId[id] : undefined;
    if (v === undefined) {
      // One call of `get` for a miss and an unnumbered key alike: a call site of its own for the rare unnumbered
      // key (lines the string path read) would have no type feedback, and the first one would deoptimize every
      // detector that inlined this.
      v = this.get(key);
      // Grown without holes (a holey array reads slower).
      if (id >= 0 && id < MAX_ID && this.numbered) {
        while (byId.length <= id) byId.push(undefined);
        byId[id] = v;
      }
    }
    return v;
  }

  /** `peek(key)`, with `id` as in getNumbered. */
  peekNumbered(key: string, id: number): V | undefined {
    const v = id >= 0 && id < this.byId.length ? this.byId[id] : undefined;
    return v !== undefined ? v : this.map.get(key);
  }
}

const MAX_ID = 1 << 16; // KeyedState caches no number past this (the parser's stay below 16384)

/**
 * Records `key` seen at `time` in a map kept near `cap` entries. Pruning happens in bulk once the map is twice the
 * cap (first what fell out of the window, then the oldest), because evicting one entry per insert makes V8 rehash
 * the map over and over (bench/logs).
 */
export function touchBounded(
  map: Map<string, number>,
  key: string,
  time: number,
  cap: number,
  since: number,
): void {
  map.set(key, time);
  if (map.size <= cap * 2) return;
  for (const [k, t] of map) if (t < since) map.delete(k);
  for (const k of map.keys()) {
    if (map.size <= cap) break;
    map.delete(k);
  }
}

export const MAX_TRACKED = 100_000;
