import type { NetRule } from '../assets.js';
import { type PostureCheck, type PostureHit, uniqLines } from './check.js';

/**
 * The default security group is attached to anything launched without one; CIS AWS 5.4 asks that it allow nothing.
 * Open egress matters as much as ingress here: a miner on any such instance reaches its pool unhindered.
 */
export const defaultSecurityGroupOpen: PostureCheck = {
  meta: {
    id: 'posture.cloud.default-sg-open',
    title: 'Default security group allows traffic to or from the internet',
    severity: 'high',
    confidence: 0.9,
    category: 'posture',
    techniques: ['T1190', 'T1571'],
    remediation:
      'Leave aws_default_security_group with no ingress and no egress rules and give every instance a purpose-made group.',
    references: [
      'https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html',
      'https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-2',
    ],
  },
  run(a) {
    const byResource = new Map<string, NetRule[]>();
    for (const r of a.rules) {
      if (r.resource.type !== 'aws_default_security_group' || r.world.length === 0) continue;
      const list = byResource.get(r.resource.address) ?? [];
      list.push(r);
      byResource.set(r.resource.address, list);
    }
    const out: PostureHit[] = [];
    for (const rules of byResource.values()) {
      const res = rules[0]!.resource;
      out.push({
        resource: res,
        line: res.line,
        lines: uniqLines(
          res.line,
          ...rules.map((r) => r.line),
          ...rules.flatMap((r) => r.world.map((w) => w.line)),
        ),
        evidence: {
          directions: [...new Set(rules.map((r) => r.direction))],
          sources: [...new Set(rules.flatMap((r) => r.world.map((w) => w.cidr)))],
        },
      });
    }
    return out;
  },
};
