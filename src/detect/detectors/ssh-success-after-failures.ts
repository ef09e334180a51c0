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
} from './ssh-common.js';

export interface SshSuccessAfterFailuresOptions {
  /** Failed attempts from the address, within the look-back, that make a later success suspect. */
  minFailures?: number;
  lookBackMs?: number;
  reasons?: readonly string[];
  /** Count a syslog-folded line (`message repeated N times`) as N attempts instead of one. */
  expandRepeats?: boolean;
}

const meta: RuleMeta = {
  id: 'ssh.success-after-failures',
  title: 'SSH login succeeded from an address that was guessing passwords',
  severity: 'critical',
  confidence: 0.85,
  category: 'initial-access',
  techniques: ['T1110', 'T1078', 'T1021.004'],
  recommendation:
    'Treat the account as compromised: kill its sessions, rotate its password and keys, check authorized_keys, cron and new processes since the login, and block the address.',
  falsePositives: 'A user who mistyped their password several times and then got it right.',
};

interface State {
  /** Times of the most recent attempts (at most minFailures kept). */
  recent: number[];
  log: AttemptLog;
}

export function sshSuccessAfterFailures(opts: SshSuccessAfterFailuresOptions = {}): StatefulDetector {
  const minFailures = opts.minFailures ?? 5;
  const lookBackMs = opts.lookBackMs ?? 3_600_000;
  const reasons = new Set(opts.reasons ?? DEFAULT_ATTEMPT_REASONS);
  const state = new KeyedState<State>(MAX_TRACKED, () => ({ recent: [], log: new AttemptLog() }));
  const hits = new Map<string, Hit>();

  return {
    meta,
    kinds: ['auth'],
    detect(e) {
      const ip = peerOf(e);
      if (ip === undefined) return null;
      if (e.fields['auth.outcome'] === 'success') {
        const s = state.peek(ip);
        if (!s) return null;
        const since = e.time - lookBackMs;
        const inWindow = s.recent.filter((t) => t >= since).length;
        if (inWindow < minFailures) return null;
        const user = str(e, 'auth.user') ?? '';
        const hit: Hit = {
          entity: { kind: 'source-ip', ip },
          evidence: {
            ip,
            loggedInAs: user,
            method: str(e, 'auth.method') ?? null,
            successAt: iso(e.time),
            successLine: str(e, 'log.message') ?? null,
            failuresBefore: s.log.attempts,
            failuresInLookBack: inWindow,
            ...s.log.evidence(),
            lookBackSeconds: lookBackMs / 1000,
          },
        };
        hits.set(ip, hit);
        return hit;
      }
      const n = attempts(e, reasons, opts.expandRepeats);
      if (n === 0) return null;
      const s = state.get(ip);
      s.log.add(e, n);
      for (let i = 0; i < Math.min(n, minFailures); i++) s.recent.push(e.time);
      while (s.recent.length > minFailures) s.recent.shift();
      return null;
    },
    snapshot() {
      return [...hits.values()];
    },
  };
}
