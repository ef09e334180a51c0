import type { RuleMeta } from '../detector.js';
import type { StatefulDetector } from '../stateful.js';
import type { AuthViewDetector, SshShared } from './ssh-common.js';
import { distinctAttemptsDetector, valuesSeen } from './ssh-distinct.js';

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

/** Many addresses failing for one account: a botnet spreading guesses so no single address trips a ban. */
export function sshPasswordSpray(
  opts: SshPasswordSprayOptions = {},
  shared?: SshShared,
): StatefulDetector & AuthViewDetector {
  const distinct = opts.distinctSources ?? 10;
  const windowMs = opts.windowMs ?? 3_600_000;
  return distinctAttemptsDetector(
    {
      meta,
      keyBy: 'user',
      distinct,
      windowMs,
      cap: Math.max(distinct * 4, 64),
      ...(opts.reasons ? { reasons: opts.reasons } : {}),
      expandRepeats: opts.expandRepeats,
      valuesInEvidence: true,
      entity: (user) => ({ kind: 'account', name: user }),
      evidence: (user, s) => {
        const { usersTried: _ignored, ...rest } = s.log.evidence();
        return {
          user,
          ...rest,
          sources: valuesSeen(s).slice(-50),
          window: { distinctSources: distinct, seconds: windowMs / 1000 },
        };
      },
    },
    shared,
  );
}
