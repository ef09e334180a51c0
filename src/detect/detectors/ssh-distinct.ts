import type { Hit, RuleMeta } from '../detector.js';
import type { StatefulDetector } from '../stateful.js';
import {
  AttemptLog,
  type AuthViewDetector,
  iso,
  KeyedState,
  MAX_TRACKED,
  type SourceRecord,
  SshShared,
  touchBounded,
} from './ssh-common.js';

export interface DistinctState {
  /** Distinct values -> last time seen, until the key is reported; bounded to a little over the threshold. */
  values: Map<string, number>;
  log: AttemptLog;
  reported: boolean;
  /** Values seen since the report, the last RECENT of them in a ring: evidence only, no map upkeep per attempt. */
  recent: string[];
  next: number;
}

const RECENT = 64;

/** The values a key has met, most recent last, each once. */
export function valuesSeen(s: DistinctState): string[] {
  const order = [...s.values.keys(), ...s.recent.slice(s.next), ...s.recent.slice(0, s.next)];
  const last = new Map<string, number>();
  for (const [i, v] of order.entries()) last.set(v, i);
  return order.filter((v, i) => last.get(v) === i);
}

export interface DistinctSpec {
  meta: RuleMeta;
  /** Which side of an attempt is the key (tracked) and which is counted: the address or the account. */
  keyBy: 'ip' | 'user';
  distinct: number;
  windowMs: number;
  /** Bound of remembered values per key. */
  cap: number;
  reasons?: readonly string[];
  expandRepeats?: boolean | undefined;
  /** Whether the evidence lists the values: if not, they stop being tracked once the key is reported. */
  valuesInEvidence: boolean;
  entity(key: string): Hit['entity'];
  evidence(key: string, s: DistinctState): Record<string, unknown>;
}

/**
 * Failed SSH attempts where one key (an address, or an account) meets `distinct` different values of the other
 * within the window: user enumeration from one address, password spraying against one account. Reports each key
 * once; `snapshot` gives its evidence as it stands now.
 */
export function distinctAttemptsDetector(
  spec: DistinctSpec,
  shared = new SshShared(),
): StatefulDetector & AuthViewDetector {
  const counter = shared.counter(spec.reasons, spec.expandRepeats);
  // Keyed by address: a slot in the shared source records (and their shared attempt log). Keyed by account: a
  // table and logs of its own.
  const slot = spec.keyBy === 'ip' ? shared.slot() : -1;
  const byUser = new KeyedState<DistinctState>(spec.keyBy === 'user' ? MAX_TRACKED : 1, () => ({
    values: new Map(),
    log: new AttemptLog(),
    reported: false,
    recent: [],
    next: 0,
  }));
  const reported: { key: string; s: DistinctState }[] = [];
  return {
    meta: spec.meta,
    kinds: ['auth'],
    only: 'failures',
    view: shared.view,
    detect(e) {
      return this.observe(shared.view.of(e));
    },
    observe(v) {
      const n = counter.n;
      const ip = v.peer;
      const user = v.user;
      if (n === 0 || ip === undefined || user === undefined) return null;
      let key: string;
      let value: string;
      let s: DistinctState;
      if (slot >= 0) {
        key = ip;
        value = user;
        // Set for every counted attempt with a peer.
        const rec = counter.record as SourceRecord;
        const log = counter.log as AttemptLog;
        let st = rec.slots[slot] as DistinctState | undefined;
        if (st === undefined) {
          st = { values: new Map(), log, reported: false, recent: [], next: 0 };
          rec.slots[slot] = st;
        }
        s = st;
      } else {
        if (user === '') return null;
        key = user;
        value = ip;
        s = byUser.getNumbered(user, v.userId);
        // The account is the key: its log need not collect account names.
        s.log.add(v.time, undefined, s.log.wantsSample() ? v.line : undefined, n);
      }
      if (s.reported) {
        if (spec.valuesInEvidence) {
          s.recent[s.next] = value;
          s.next = s.next + 1 === RECENT ? 0 : s.next + 1;
        }
        return null;
      }
      const since = v.time - spec.windowMs;
      touchBounded(s.values, value, v.time, spec.cap, since);
      let count = 0;
      for (const t of s.values.values()) if (t >= since) count++;
      if (count < spec.distinct) return null;
      s.reported = true;
      reported.push({ key, s });
      return { entity: spec.entity(key), evidence: { ...spec.evidence(key, s), detectedAt: iso(v.time) } };
    },
    snapshot() {
      return reported.map(({ key, s }) => ({ entity: spec.entity(key), evidence: spec.evidence(key, s) }));
    },
  };
}
