import type { RuleMeta } from '../detector.js';
import type { StatefulDetector } from '../stateful.js';
import { type AttemptLog, type AuthViewDetector, iso, SshShared } from './ssh-common.js';

export interface SshBruteForceOptions {
  /** Attempts within findTime that make a brute force (fail2ban sshd jail: maxretry = 5). */
  maxRetry?: number;
  /** Window length in ms (fail2ban: findtime = 10m). */
  findTimeMs?: number;
  /** auth.reason values that count as attempts. */
  reasons?: readonly string[];
  /** Count a syslog-folded line (`message repeated N times`) as N attempts instead of one. */
  expandRepeats?: boolean;
}

const meta: RuleMeta = {
  id: 'ssh.brute-force',
  title: 'SSH brute force from one address',
  severity: 'high',
  confidence: 0.9,
  category: 'credential-access',
  techniques: ['T1110', 'T1110.001', 'T1021.004'],
  recommendation:
    'Block the address (fail2ban, firewall), disable password logins (PasswordAuthentication no), and check for a later successful login from it.',
  falsePositives:
    'A user or script with a wrong password retrying; a shared NAT address in front of many users.',
};

interface State {
  /** The most recent maxRetry attempt times, a ring: enough to know whether maxRetry fall in one window. */
  recent: Float64Array;
  next: number;
  filled: number;
  log: AttemptLog;
  maxInWindow: number;
  reported: boolean;
}

/** fail2ban's sshd jail as a detector: maxRetry attempts from one address within findTime. */
export function sshBruteForce(
  opts: SshBruteForceOptions = {},
  shared = new SshShared(),
): StatefulDetector & AuthViewDetector {
  const maxRetry = Math.max(1, opts.maxRetry ?? 5);
  const findTimeMs = opts.findTimeMs ?? 600_000;
  const counter = shared.counter(opts.reasons, opts.expandRepeats);
  const slot = shared.slot();
  const reported: { ip: string; s: State }[] = [];
  const evidence = (ip: string, s: State) => ({
    ip,
    ...s.log.evidence(),
    maxAttemptsInWindow: s.maxInWindow,
    window: { maxRetry, findTimeSeconds: findTimeMs / 1000 },
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
      if (s === undefined) {
        s = { recent: new Float64Array(maxRetry), next: 0, filled: 0, log, maxInWindow: 0, reported: false };
        rec.slots[slot] = s;
      }
      const time = v.time;
      for (let i = Math.min(n, maxRetry); i > 0; i--) {
        s.recent[s.next] = time;
        s.next = s.next + 1 === maxRetry ? 0 : s.next + 1;
        if (s.filled < maxRetry) s.filled++;
      }
      const since = time - findTimeMs;
      let inWindow = 0;
      for (let i = 0; i < s.filled; i++) if ((s.recent[i] as number) >= since) inWindow++;
      if (inWindow > s.maxInWindow) s.maxInWindow = inWindow;
      if (s.reported || inWindow < maxRetry) return null;
      s.reported = true;
      reported.push({ ip, s });
      return {
        entity: { kind: 'source-ip', ip },
        evidence: { ...evidence(ip, s), detectedAt: iso(time) },
      };
    },
    snapshot() {
      return reported.map(({ ip, s }) => ({ entity: { kind: 'source-ip', ip }, evidence: evidence(ip, s) }));
    },
  };
}
