import type { Hit, RuleMeta } from '../detector.js';
import type { StatefulDetector } from '../stateful.js';
import { str } from './fields.js';
import {
  AttemptLog,
  attempts,
  DEFAULT_ATTEMPT_REASONS,
  iso,
  KeyedState,
  MAX_TRACKED,
  peerOf,
  touchBounded,
} from './ssh-common.js';

export interface DistinctState {
  /** Distinct values -> last time seen; bounded to a little over the threshold. */
  values: Map<string, number>;
  log: AttemptLog;
  reported: boolean;
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
  entity(key: string): Hit['entity'];
  evidence(key: string, s: DistinctState): Record<string, unknown>;
}

/**
 * Failed SSH attempts where one key (an address, or an account) meets `distinct` different values of the other
 * within the window: user enumeration from one address, password spraying against one account. Reports each key
 * once; `snapshot` gives its evidence as it stands now.
 */
export function distinctAttemptsDetector(spec: DistinctSpec): StatefulDetector {
  const reasons = new Set(spec.reasons ?? DEFAULT_ATTEMPT_REASONS);
  const state = new KeyedState<DistinctState>(MAX_TRACKED, () => ({
    values: new Map(),
    log: new AttemptLog(),
    reported: false,
  }));
  const reported: { key: string; s: DistinctState }[] = [];
  return {
    meta: spec.meta,
    kinds: ['auth'],
    detect(e) {
      const n = attempts(e, reasons, spec.expandRepeats);
      const ip = n > 0 ? peerOf(e) : undefined;
      const user = str(e, 'auth.user');
      if (ip === undefined || user === undefined) return null;
      const [key, value] = spec.keyBy === 'ip' ? [ip, user] : [user, ip];
      if (key === '') return null;
      const s = state.get(key);
      s.log.add(e, n);
      const since = e.time - spec.windowMs;
      touchBounded(s.values, value, e.time, spec.cap, since);
      if (s.reported) return null;
      let count = 0;
      for (const t of s.values.values()) if (t >= since) count++;
      if (count < spec.distinct) return null;
      s.reported = true;
      reported.push({ key, s });
      return { entity: spec.entity(key), evidence: { ...spec.evidence(key, s), detectedAt: iso(e.time) } };
    },
    snapshot() {
      return reported.map(({ key, s }) => ({ entity: spec.entity(key), evidence: spec.evidence(key, s) }));
    },
  };
}
