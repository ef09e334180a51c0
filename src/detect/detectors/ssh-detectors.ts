import { type SshBruteForceOptions, sshBruteForce } from './ssh-brute-force.js';
import { type AuthViewDetector, SshShared } from './ssh-common.js';
import { type FleetAttackerIntel, sshFleetAttackerLogin } from './ssh-fleet-attacker-login.js';
import { type SshPasswordSprayOptions, sshPasswordSpray } from './ssh-password-spray.js';
import { rootPasswordLogin } from './ssh-root-password-login.js';
import { type SshSlowBruteForceOptions, sshSlowBruteForce } from './ssh-slow-brute-force.js';
import {
  type SshSuccessAfterFailuresOptions,
  sshSuccessAfterFailures,
} from './ssh-success-after-failures.js';
import { type SshUserEnumerationOptions, sshUserEnumeration } from './ssh-user-enumeration.js';

export interface SshDetectionConfig {
  bruteForce?: SshBruteForceOptions;
  slowBruteForce?: SshSlowBruteForceOptions;
  userEnumeration?: SshUserEnumerationOptions;
  passwordSpray?: SshPasswordSprayOptions;
  successAfterFailures?: SshSuccessAfterFailuresOptions;
  fleet?: FleetAttackerIntel;
}

/** Fresh SSH detectors (they hold per-address state, so each run needs its own set, fed the same events). */
export function sshDetectors(config: SshDetectionConfig = {}): AuthViewDetector[] {
  // One shared state: each event's fields are read once and each source's record is looked up once for all.
  const shared = new SshShared();
  return [
    sshBruteForce(config.bruteForce, shared),
    sshSlowBruteForce(config.slowBruteForce, shared),
    sshUserEnumeration(config.userEnumeration, shared),
    sshPasswordSpray(config.passwordSpray, shared),
    sshSuccessAfterFailures(config.successAfterFailures, shared),
    rootPasswordLogin(shared.view),
    sshFleetAttackerLogin(config.fleet, shared.view),
  ];
}
