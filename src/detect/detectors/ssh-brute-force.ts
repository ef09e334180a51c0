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
  /** The most recent maxRetry attempt times: enough to know whether maxRetry fall in one window. */
  recent: number[];
  log: AttemptLog;
  maxInWindow: number;
  reported: boolean;
}

/** fail2ban's sshd jail as a detector: maxRetry attempts from one address within findTime. */
export function sshBruteForce(opts: SshBruteForceOptions = {}): StatefulDetector {
  const maxRetry = opts.maxRetry ?? 5;
  const findTimeMs = opts.findTimeMs ?? 600_000;
  const reasons = new Set(opts.reasons ?? DEFAULT_ATTEMPT_REASONS);
  const state = new KeyedState<State>(MAX_TRACKED, () => ({
    recent: [],
    log: new AttemptLog(),
    maxInWindow: 0,
    reported: false,
  }));
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
    detect(e) {
      const n = attempts(e, reasons, opts.expandRepeats);
      const ip = n > 0 ? peerOf(e) : undefined;
      if (ip === undefined) return null;
      const s = state.get(ip);
      s.log.add(e, n);
      for (let i = 0; i < Math.min(n, maxRetry); i++) s.recent.push(e.time);
      while (s.recent.length > maxRetry) s.recent.shift();
      const since = e.time - findTimeMs;
      let inWindow = 0;
      for (const t of s.recent) if (t >= since) inWindow++;
      if (inWindow > s.maxInWindow) s.maxInWindow = inWindow;
      if (s.reported || inWindow < maxRetry) return null;
      s.reported = true;
      reported.push({ ip, s });
      return {
        entity: { kind: 'source-ip', ip },
        evidence: { ...evidence(ip, s), detectedAt: iso(e.time) },
      };
    },
    snapshot() {
      return reported.map(({ ip, s }) => ({ entity: { kind: 'source-ip', ip }, evidence: evidence(ip, s) }));
    },
  };
}
