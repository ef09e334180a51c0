import type { Detector, RuleMeta } from '../detector.js';
import { apiEvidence, op, principalEntity, succeeded } from './api-fields.js';

const meta: RuleMeta = {
  id: 'cloud.api.logging-disabled',
  title: 'Cloud logging or threat detection turned off',
  severity: 'high',
  confidence: 0.8,
  category: 'defense-evasion',
  techniques: ['T1562.008', 'T1562.001'],
  recommendation:
    'Turn the trail/detector/Security Hub back on, then treat the caller as compromised: disable its keys and review what it did before and after.',
  falsePositives: 'Planned teardown of a trail or detector by the platform team (check the change record).',
};

/** Calls that blind the account: CloudTrail, GuardDuty, Security Hub, VPC flow logs, Config. */
const BLINDING: ReadonlySet<string> = new Set([
  'StopLogging',
  'DeleteTrail',
  'DeleteDetector',
  'DisableSecurityHub',
  'DeleteFlowLogs',
  'StopConfigurationRecorder',
  'DeleteConfigurationRecorder',
]);

export function apiLoggingDisabled(): Detector {
  return {
    meta,
    kinds: ['cloud-api'],
    detect(e) {
      const name = op(e);
      if (!BLINDING.has(name)) return null;
      const ok = succeeded(e);
      return {
        entity: { ...principalEntity(e), path: name },
        evidence: apiEvidence(e),
        ...(ok ? {} : { severity: 'medium' as const, title: 'Attempt to turn off cloud logging (failed)' }),
      };
    },
  };
}
