import type { Hit, RuleMeta } from '../detector.js';
import type { StatefulDetector } from '../stateful.js';
import { type AttemptLog, type AuthViewDetector, iso, SshShared } from './ssh-common.js';

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
  /** Times of the most recent attempts (at most minFailures kept), a ring. */
  recent: Float64Array;
  next: number;
  filled: number;
  log: AttemptLog;
}

export function sshSuccessAfterFailures(
  opts: SshSuccessAfterFailuresOptions = {},
  shared = new SshShared(),
): StatefulDetector & AuthViewDetector {
  const minFailures = Math.max(1, opts.minFailures ?? 5);
  const lookBackMs = opts.lookBackMs ?? 3_600_000;
  const counter = shared.counter(opts.reasons, opts.expandRepeats);
  const slot = shared.slot();
  const hits = new Map<string, Hit>();

  return {
    meta,
    kinds: ['auth'],
    view: shared.view,
    detect(e) {
      return this.observe(shared.view.of(e));
    },
    observe(v) {
      const ip = v.peer;
      if (ip === undefined) return null;
      if (v.success) {
        const s = shared.peek(ip, v.peerId)?.slots[slot] as State | undefined;
        if (!s) return null;
        const since = v.time - lookBackMs;
        let inWindow = 0;
        for (let i = 0; i < s.filled; i++) if ((s.recent[i] as number) >= since) inWindow++;
        if (inWindow < minFailures) return null;
        const hit: Hit = {
          entity: { kind: 'source-ip', ip },
          evidence: {
            ip,
            loggedInAs: v.user ?? '',
            method: v.method ?? null,
            successAt: iso(v.time),
            successLine: v.line ?? null,
            failuresBefore: s.log.attempts,
            failuresInLookBack: inWindow,
            ...s.log.evidence(),
            lookBackSeconds: lookBackMs / 1000,
          },
        };
        hits.set(ip, hit);
        return hit;
      }
      const rec = counter.record;
      if (rec === undefined) return null;
      const n = counter.n;
      const log = counter.log as AttemptLog;
      let s = rec.slots[slot] as State | undefined;
      if (s === undefined) {
        s = { recent: new Float64Array(minFailures), next: 0, filled: 0, log };
        rec.slots[slot] = s;
      }
      for (let i = Math.min(n, minFailures); i > 0; i--) {
        s.recent[s.next] = v.time;
        s.next = s.next + 1 === minFailures ? 0 : s.next + 1;
        if (s.filled < minFailures) s.filled++;
      }
      return null;
    },
    snapshot() {
      return [...hits.values()];
    },
  };
}
