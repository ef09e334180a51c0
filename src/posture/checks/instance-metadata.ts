import type { Instance } from '../assets.js';
import { type PostureCheck, type PostureHit, uniqLines } from './check.js';

const REFS = [
  'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-existing-instances.html',
  'https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-8',
];

function endpointDisabled(i: Instance): boolean {
  return i.metadata?.endpoint?.toLowerCase() === 'disabled';
}

/**
 * IMDSv1 answers any GET, so an SSRF or a process in a container steals the instance role's credentials; miners use
 * them to launch more instances. Unset http_tokens means "optional" on every instance type AWS launches by default.
 */
export const imdsV1Allowed: PostureCheck = {
  meta: {
    id: 'posture.cloud.imdsv1-allowed',
    title: 'Instance metadata service v1 (no session token) is allowed',
    severity: 'high',
    confidence: 0.9,
    category: 'posture',
    techniques: ['T1552.005'],
    remediation:
      'Set metadata_options { http_tokens = "required" } (aws ec2 modify-instance-metadata-options --http-tokens required), or disable the endpoint if nothing uses it.',
    references: REFS,
  },
  run(a) {
    const out: PostureHit[] = [];
    for (const i of a.instances) {
      if (endpointDisabled(i)) continue;
      const tokens = i.metadata?.tokens?.toLowerCase();
      if (tokens === 'required') continue;
      out.push({
        resource: i.resource,
        line: i.metadata?.tokensLine ?? i.metadata?.line ?? i.resource.line,
        lines: uniqLines(i.resource.line, i.metadata?.line, i.metadata?.tokensLine),
        evidence: {
          kind: i.kind,
          http_tokens: i.metadata?.tokens ?? '(not set: defaults to optional)',
          http_endpoint: i.metadata?.endpoint ?? '(not set: enabled)',
        },
      });
    }
    return out;
  },
};

/** A hop limit above 1 lets containers on the instance (one more network hop) reach IMDS too. */
export const imdsHopLimit: PostureCheck = {
  meta: {
    id: 'posture.cloud.imds-hop-limit',
    title: 'Instance metadata reachable from containers (hop limit above 1)',
    severity: 'medium',
    confidence: 0.9,
    category: 'posture',
    techniques: ['T1552.005'],
    remediation:
      'Set http_put_response_hop_limit = 1 unless containers on the host truly need the instance role.',
    references: REFS,
  },
  run(a) {
    const out: PostureHit[] = [];
    for (const i of a.instances) {
      const hop = i.metadata?.hopLimit;
      if (hop === undefined || hop <= 1 || endpointDisabled(i)) continue;
      out.push({
        resource: i.resource,
        line: i.metadata?.hopLine ?? i.resource.line,
        lines: uniqLines(i.resource.line, i.metadata?.line, i.metadata?.hopLine),
        evidence: { kind: i.kind, http_put_response_hop_limit: hop },
      });
    }
    return out;
  },
};

export const INSTANCE_METADATA_CHECKS: readonly PostureCheck[] = [imdsV1Allowed, imdsHopLimit];
