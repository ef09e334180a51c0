import type { RuleMeta } from '../detector.js';
import { AuthView, type AuthViewDetector } from './ssh-common.js';

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
export function sshFleetAttackerLogin(
  intel: FleetAttackerIntel = NO_FLEET_INTEL,
  view = new AuthView(),
): AuthViewDetector {
  return {
    meta,
    kinds: ['auth'],
    only: 'successes',
    view,
    detect(e) {
      return this.observe(view.of(e));
    },
    observe(v) {
      if (!v.success) return null;
      const ip = v.peer;
      const known = ip !== undefined ? intel.lookup(ip) : null;
      if (ip === undefined || !known) return null;
      return {
        entity: { kind: 'source-ip', ip },
        evidence: {
          ip,
          user: v.user ?? null,
          bruteForcedHosts: [...known.hosts],
          ...(known.firstSeen ? { firstSeenInFleet: known.firstSeen } : {}),
          line: v.line ?? null,
        },
      };
    },
  };
}
