import type { RuleMeta } from '../detector.js';
import type { StatefulDetector } from '../stateful.js';
import type { AuthViewDetector, SshShared } from './ssh-common.js';
import { distinctAttemptsDetector } from './ssh-distinct.js';

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

export function sshUserEnumeration(
  opts: SshUserEnumerationOptions = {},
  shared?: SshShared,
): StatefulDetector & AuthViewDetector {
  const distinct = opts.distinctUsers ?? 6;
  const windowMs = opts.windowMs ?? 600_000;
  return distinctAttemptsDetector(
    {
      meta,
      keyBy: 'ip',
      distinct,
      windowMs,
      cap: Math.max(distinct * 4, 32),
      ...(opts.reasons ? { reasons: opts.reasons } : {}),
      expandRepeats: opts.expandRepeats,
      valuesInEvidence: false,
      entity: (ip) => ({ kind: 'source-ip', ip }),
      evidence: (ip, s) => ({
        ip,
        ...s.log.evidence(),
        window: { distinctUsers: distinct, seconds: windowMs / 1000 },
      }),
    },
    shared,
  );
}
