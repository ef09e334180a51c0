import type { TelemetryEvent } from '../../model/event.js';
import { num, str } from './fields.js';

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
  if (e.fields['auth.outcome'] !== 'failure') return 0;
  const reason = str(e, 'auth.reason');
  if (reason === undefined || !reasons.has(reason)) return 0;
  // A valid user offering several keys fails publickey for each before one works: not guessing (fail2ban agrees).
  if (reason === 'failed' && str(e, 'auth.method') === 'publickey' && e.fields['auth.invalidUser'] !== true)
    return 0;
  return expandRepeats ? Math.max(1, num(e, 'auth.count') ?? 1) : 1;
}

export function peerOf(e: TelemetryEvent): string | undefined {
  return str(e, 'source.ip') ?? str(e, 'source.domain');
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Per-key state in a bounded map: past `max` keys the oldest-created goes first, so hostile input (a million
 * spoofed sources) cannot grow it. Insertion order rather than true LRU: re-ordering on every event cost more than
 * the whole detection (bench/logs), and a source active enough to matter is re-created quickly if evicted.
 */
export class KeyedState<V> {
  private readonly map = new Map<string, V>();

  constructor(
    private readonly max: number,
    private readonly make: () => V,
  ) {}

  get(key: string): V {
    let v = this.map.get(key);
    if (v === undefined) {
      v = this.make();
      if (this.map.size >= this.max) {
        const oldest = this.map.keys().next();
        if (!oldest.done) this.map.delete(oldest.value);
      }
      this.map.set(key, v);
    }
    return v;
  }

  peek(key: string): V | undefined {
    return this.map.get(key);
  }
}

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

/** What findings about one source show: totals, accounts tried, first and last time, a few verbatim lines. */
export class AttemptLog {
  attempts = 0;
  first = 0;
  last = 0;
  readonly users = new Set<string>();
  usersDropped = 0;
  readonly samples: string[] = [];

  add(e: TelemetryEvent, n: number, maxUsers = 50, maxSamples = 5): void {
    if (this.attempts === 0) this.first = e.time;
    this.attempts += n;
    if (e.time > this.last) this.last = e.time;
    const user = str(e, 'auth.user');
    if (user !== undefined && !this.users.has(user)) {
      if (this.users.size < maxUsers) this.users.add(user);
      else this.usersDropped++;
    }
    const line = str(e, 'log.message');
    if (line !== undefined && this.samples.length < maxSamples) this.samples.push(line);
  }

  evidence(): Record<string, unknown> {
    return {
      attempts: this.attempts,
      usersTried: [...this.users],
      ...(this.usersDropped > 0 ? { usersNotListed: this.usersDropped } : {}),
      firstSeen: iso(this.first),
      lastSeen: iso(this.last),
      sampleLines: [...this.samples],
    };
  }
}

export const MAX_TRACKED = 100_000;
