import type { RuleMeta } from '../detector.js';
import type { StatefulDetector } from '../stateful.js';
import {
  AttemptLog,
  attempts,
  DEFAULT_ATTEMPT_REASONS,
  iso,
  KeyedState,
  MAX_TRACKED,
  peerOf,
} from './ssh-common.js';

export interface SshSlowBruteForceOptions {
  /** Bucket size (CrowdSec ssh-slow-bf: capacity 10): the alert fires when it overflows. */
  capacity?: number;
  /** One attempt leaks out of the bucket every leakMs (CrowdSec: leakspeed 60s). */
  leakMs?: number;
  reasons?: readonly string[];
  /** Count a syslog-folded line (`message repeated N times`) as N attempts instead of one. */
  expandRepeats?: boolean;
}

const meta: RuleMeta = {
  id: 'ssh.slow-brute-force',
  title: 'Slow SSH brute force from one address',
  severity: 'high',
  confidence: 0.8,
  category: 'credential-access',
  techniques: ['T1110', 'T1110.001', 'T1021.004'],
  recommendation:
    'Block the address; slow guessing is paced to stay under fail2ban-style thresholds, so raise findtime or use key-only logins.',
  falsePositives: 'Monitoring or backup jobs with stale credentials retrying on a schedule.',
};

interface State {
  level: number;
  at: number;
  log: AttemptLog;
  reported: boolean;
}

/**
 * A leaky bucket per address, as CrowdSec's ssh-slow-bf: each attempt adds one, the bucket drains one per leakMs,
 * and an overflow past capacity means attempts keep coming faster than the drain over a long stretch.
 */
export function sshSlowBruteForce(opts: SshSlowBruteForceOptions = {}): StatefulDetector {
  const capacity = opts.capacity ?? 10;
  const leakMs = opts.leakMs ?? 60_000;
  const reasons = new Set(opts.reasons ?? DEFAULT_ATTEMPT_REASONS);
  const state = new KeyedState<State>(MAX_TRACKED, () => ({
    level: 0,
    at: 0,
    log: new AttemptLog(),
    reported: false,
  }));
  const reported: { ip: string; s: State }[] = [];
  const evidence = (ip: string, s: State) => ({
    ip,
    ...s.log.evidence(),
    bucket: { capacity, leakSeconds: leakMs / 1000 },
  });

  return {
    meta,
    kinds: ['auth'],
    detect(e) {
      const n = attempts(e, reasons, opts.expandRepeats);
      const ip = n > 0 ? peerOf(e) : undefined;
      if (ip === undefined) return null;
      const s = state.get(ip);
      const drained = s.log.attempts === 0 ? 0 : Math.max(0, e.time - s.at) / leakMs;
      s.level = Math.max(0, s.level - drained) + n;
      s.at = e.time;
      s.log.add(e, n);
      if (s.reported || s.level <= capacity) return null;
      s.reported = true;
      reported.push({ ip, s });
      return { entity: { kind: 'source-ip', ip }, evidence: { ...evidence(ip, s), detectedAt: iso(e.time) } };
    },
    snapshot() {
      return reported.map(({ ip, s }) => ({ entity: { kind: 'source-ip', ip }, evidence: evidence(ip, s) }));
    },
  };
}
