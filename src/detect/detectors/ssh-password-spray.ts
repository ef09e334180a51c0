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

export interface SshPasswordSprayOptions {
  /** Distinct source addresses failing for one account within the window. */
  distinctSources?: number;
  windowMs?: number;
  reasons?: readonly string[];
  /** Count a syslog-folded line (`message repeated N times`) as N attempts instead of one. */
  expandRepeats?: boolean;
}

const meta: RuleMeta = {
  id: 'ssh.password-spray',
  title: 'SSH password spraying: one account tried from many addresses',
  severity: 'high',
  confidence: 0.75,
  category: 'credential-access',
  techniques: ['T1110', 'T1110.003'],
  recommendation:
    'Per-address blocking will not stop a distributed attack: disable password logins for the account or require keys/MFA.',
  falsePositives: 'A popular account (git, deploy) used by many clients with an expired credential.',
};

interface State {
  sources: Map<string, number>;
  log: AttemptLog;
  reported: boolean;
}

/** Many addresses failing for one account: a botnet spreading guesses so no single address trips a ban. */
export function sshPasswordSpray(opts: SshPasswordSprayOptions = {}): StatefulDetector {
  const distinct = opts.distinctSources ?? 10;
  const windowMs = opts.windowMs ?? 3_600_000;
  const reasons = new Set(opts.reasons ?? DEFAULT_ATTEMPT_REASONS);
  const cap = Math.max(distinct * 4, 64);
  const state = new KeyedState<State>(MAX_TRACKED, () => ({
    sources: new Map(),
    log: new AttemptLog(),
    reported: false,
  }));
  const reported: { user: string; s: State }[] = [];
  const evidence = (user: string, s: State) => {
    const { usersTried: _ignored, ...rest } = s.log.evidence();
    return {
      user,
      ...rest,
      sources: [...s.sources.keys()].slice(-50),
      window: { distinctSources: distinct, seconds: windowMs / 1000 },
    };
  };

  return {
    meta,
    kinds: ['auth'],
    detect(e) {
      const n = attempts(e, reasons, opts.expandRepeats);
      const ip = n > 0 ? peerOf(e) : undefined;
      const user = str(e, 'auth.user');
      if (ip === undefined || user === undefined || user === '') return null;
      const s = state.get(user);
      s.log.add(e, n);
      const since = e.time - windowMs;
      touchBounded(s.sources, ip, e.time, cap, since);
      if (s.reported) return null;
      let count = 0;
      for (const t of s.sources.values()) if (t >= since) count++;
      if (count < distinct) return null;
      s.reported = true;
      reported.push({ user, s });
      return {
        entity: { kind: 'account', name: user },
        evidence: { ...evidence(user, s), detectedAt: iso(e.time) },
      };
    },
    snapshot() {
      return reported.map(({ user, s }) => ({
        entity: { kind: 'account', name: user },
        evidence: evidence(user, s),
      }));
    },
  };
}
