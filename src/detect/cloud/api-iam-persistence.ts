import type { Detector, RuleMeta } from '../detector.js';
import { str } from '../detectors/fields.js';
import { apiEvidence, op, principalEntity, succeeded } from './api-fields.js';

const meta: RuleMeta = {
  id: 'cloud.api.iam-persistence',
  title: 'Credentials or admin rights created for another identity',
  severity: 'medium',
  confidence: 0.6,
  category: 'persistence',
  techniques: ['T1098.001', 'T1136.003'],
  recommendation:
    "Confirm with the owner of the calling identity; if unplanned, delete the new key/login profile/policy attachment and rotate the caller's credentials.",
  falsePositives: 'Identity admins and provisioning pipelines not listed as IAM admins in the configuration.',
};

const CALLS: ReadonlySet<string> = new Set([
  'CreateAccessKey',
  'AttachUserPolicy',
  'PutUserPolicy',
  'CreateLoginProfile',
  'UpdateLoginProfile',
]);
const ADMIN_POLICY = /(AdministratorAccess|IAMFullAccess|PowerUserAccess)$/;

/** The IAM user name a principal ARN names (`arn:aws:iam::1:user/path/name` -> name). */
function userOf(arn: string | undefined): string | undefined {
  const m = /:user\/(?:.*\/)?([^/]+)$/.exec(arn ?? '');
  return m?.[1];
}

/**
 * Key, password or policy calls by principals outside the configured IAM admins that act on another user, come
 * from root or from an instance role session, or grant an admin policy. A user rotating their own key is left out.
 */
export function apiIamPersistence(iamAdmins: readonly string[] = []): Detector {
  const admins = new Set(iamAdmins);
  return {
    meta,
    kinds: ['cloud-api'],
    detect(e) {
      const name = op(e);
      if (!CALLS.has(name) || !succeeded(e)) return null;
      const principal = str(e, 'api.principal') ?? '';
      if (admins.has(principal)) return null;
      const [targetUser = '', policy = ''] = (str(e, 'api.target') ?? '').split(' ');
      const self = targetUser === '' || targetUser === userOf(principal);
      const type = str(e, 'api.principalType');
      const reasons: string[] = [];
      if (!self) reasons.push(`acts on another user (${targetUser})`);
      if (type === 'Root') reasons.push('root account');
      if (/^i-[0-9a-f]+$/.test(str(e, 'api.sessionName') ?? '')) reasons.push('instance role session');
      if (ADMIN_POLICY.test(policy)) reasons.push(`grants ${policy.split('/').at(-1)}`);
      if (reasons.length === 0) return null;
      return {
        entity: { ...principalEntity(e), path: `${name} ${targetUser}`.trim() },
        evidence: { ...apiEvidence(e), reasons },
        ...(ADMIN_POLICY.test(policy) ? { severity: 'high' as const } : {}),
      };
    },
  };
}
