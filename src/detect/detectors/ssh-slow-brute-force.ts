import type { RuleMeta } from '../detector.js';
import type { StatefulDetector } from '../stateful.js';
import { type AttemptLog, type AuthViewDetector, iso, SshShared } from './ssh-common.js';

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
export function sshSlowBruteForce(
  opts: SshSlowBruteForceOptions = {},
  shared = new SshShared(),
): StatefulDetector & AuthViewDetector {
  const capacity = opts.capacity ?? 10;
  const leakMs = opts.leakMs ?? 60_000;
  const counter = shared.counter(opts.reasons, opts.expandRepeats);
  const slot = shared.slot();
  const reported: { ip: string; s: State }[] = [];
  const evidence = (ip: string, s: State) => ({
    ip,
    ...s.log.evidence(),
    bucket: { capacity, leakSeconds: leakMs / 1000 },
  });

  return {
    meta,
    kinds: ['auth'],
    only: 'failures',
    view: shared.view,
    detect(e) {
      return this.observe(shared.view.of(e));
    },
    observe(v) {
      const ip = v.peer;
      const rec = counter.record;
      if (ip === undefined || rec === undefined) return null;
      const n = counter.n;
      const log = counter.log as AttemptLog;
      let s = rec.slots[slot] as State | undefined;
      // A new bucket starts empty at this attempt; an existing one drains for the time since its last.
      if (s === undefined) {
        s = { level: 0, at: v.time, log, reported: false };
        rec.slots[slot] = s;
      }
      const drained = Math.max(0, v.time - s.at) / leakMs;
      s.level = Math.max(0, s.level - drained) + n;
      s.at = v.time;
      if (s.reported || s.level <= capacity) return null;
      s.reported = true;
      reported.push({ ip, s });
      return { entity: { kind: 'source-ip', ip }, evidence: { ...evidence(ip, s), detectedAt: iso(v.time) } };
    },
    snapshot() {
      return reported.map(({ ip, s }) => ({ entity: { kind: 'source-ip', ip }, evidence: evidence(ip, s) }));
    },
  };
}
