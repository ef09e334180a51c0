import type { Detector, RuleMeta } from '../detector.js';
import { str } from './fields.js';
import { peerOf } from './ssh-common.js';

/** What the fleet knows about an address: the server fills this from brute-force findings of other hosts. */
export interface FleetAttackerIntel {
  lookup(ip: string): { hosts: readonly string[]; firstSeen?: string } | null;
}

export const NO_FLEET_INTEL: FleetAttackerIntel = { lookup: () => null };

const meta: RuleMeta = {
  id: 'ssh.fleet-attacker-login',
  title: 'SSH login from an address that brute-forced another host of the fleet',
  severity: 'critical',
  confidence: 0.9,
  category: 'lateral-movement',
  techniques: ['T1078', 'T1021.004', 'T1110'],
  recommendation:
    'Treat the account as compromised (the attacker found working credentials elsewhere or here); block the address fleet-wide.',
  falsePositives: 'An administrator who mistyped a password on another host from the same office address.',
};

/** Successful logins from addresses the fleet has seen guessing passwords elsewhere. */
export function sshFleetAttackerLogin(intel: FleetAttackerIntel = NO_FLEET_INTEL): Detector {
  return {
    meta,
    kinds: ['auth'],
    detect(e) {
      if (e.fields['auth.outcome'] !== 'success') return null;
      const ip = peerOf(e);
      const known = ip !== undefined ? intel.lookup(ip) : null;
      if (ip === undefined || !known) return null;
      return {
        entity: { kind: 'source-ip', ip },
        evidence: {
          ip,
          user: str(e, 'auth.user') ?? null,
          bruteForcedHosts: [...known.hosts],
          ...(known.firstSeen ? { firstSeenInFleet: known.firstSeen } : {}),
          line: str(e, 'log.message') ?? null,
        },
      };
    },
  };
}
