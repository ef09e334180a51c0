import type { RuleMeta } from '../detector.js';
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

export interface SshUserEnumerationOptions {
  /** Distinct accounts tried from one address within the window (CrowdSec ssh-bf_user-enum overflows at 6). */
  distinctUsers?: number;
  windowMs?: number;
  reasons?: readonly string[];
  /** Count a syslog-folded line (`message repeated N times`) as N attempts instead of one. */
  expandRepeats?: boolean;
}

const meta: RuleMeta = {
  id: 'ssh.user-enumeration',
  title: 'SSH user enumeration: many account names tried from one address',
  severity: 'medium',
  confidence: 0.8,
  category: 'credential-access',
  techniques: ['T1110', 'T1110.001'],
  recommendation: 'Block the address; check that none of the names tried exists with a weak password.',
  falsePositives: 'An administrator trying several account names after forgetting which one is theirs.',
};

interface State {
  /** Account -> last time it was tried; bounded to a little over the threshold. */
  users: Map<string, number>;
  log: AttemptLog;
  reported: boolean;
}

export function sshUserEnumeration(opts: SshUserEnumerationOptions = {}): StatefulDetector {
  const distinct = opts.distinctUsers ?? 6;
  const windowMs = opts.windowMs ?? 600_000;
  const reasons = new Set(opts.reasons ?? DEFAULT_ATTEMPT_REASONS);
  const cap = Math.max(distinct * 4, 32);
  const state = new KeyedState<State>(MAX_TRACKED, () => ({
    users: new Map(),
    log: new AttemptLog(),
    reported: false,
  }));
  const reported: { ip: string; s: State }[] = [];
  const evidence = (ip: string, s: State) => ({
    ip,
    ...s.log.evidence(),
    window: { distinctUsers: distinct, seconds: windowMs / 1000 },
  });

  return {
    meta,
    kinds: ['auth'],
    detect(e) {
      const n = attempts(e, reasons, opts.expandRepeats);
      const ip = n > 0 ? peerOf(e) : undefined;
      const user = str(e, 'auth.user');
      if (ip === undefined || user === undefined) return null;
      const s = state.get(ip);
      s.log.add(e, n);
      const since = e.time - windowMs;
      touchBounded(s.users, user, e.time, cap, since);
      if (s.reported) return null;
      let count = 0;
      for (const t of s.users.values()) if (t >= since) count++;
      if (count < distinct) return null;
      s.reported = true;
      reported.push({ ip, s });
      return { entity: { kind: 'source-ip', ip }, evidence: { ...evidence(ip, s), detectedAt: iso(e.time) } };
    },
    snapshot() {
      return reported.map(({ ip, s }) => ({ entity: { kind: 'source-ip', ip }, evidence: evidence(ip, s) }));
    },
  };
}
