import { type PostureCheck, type PostureHit, uniqLines } from './check.js';

const REFS = ['https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-instance-addressing.html'];

export const instancePublicIp: PostureCheck = {
  meta: {
    id: 'posture.cloud.instance-public-ip',
    title: 'Instance gets a public IP address',
    severity: 'low',
    confidence: 0.9,
    category: 'posture',
    techniques: ['T1133'],
    remediation:
      'Put instances in private subnets behind a load balancer or NAT; set associate_public_ip_address = false.',
    references: REFS,
  },
  run(a) {
    const out: PostureHit[] = [];
    for (const i of a.instances) {
      if (!i.publicIp || i.publicIp.value === false) continue;
      out.push({
        resource: i.resource,
        line: i.publicIp.line,
        lines: uniqLines(i.resource.line, i.publicIp.line),
        evidence: { kind: i.kind, publicIp: i.publicIp.value },
      });
    }
    return out;
  },
};

/** The role is what an attacker gains from the host: with it, miners launch instances on the victim's bill. */
export const instanceRoleExposed: PostureCheck = {
  meta: {
    id: 'posture.cloud.instance-role-exposed',
    title: 'Internet-facing instance carries an IAM role',
    severity: 'medium',
    confidence: 0.8,
    category: 'posture',
    techniques: ['T1552.005', 'T1078'],
    remediation:
      'Give internet-facing instances a least-privilege role (no ec2:RunInstances, no iam:*), require IMDSv2 and hop limit 1.',
    references: ['https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html'],
  },
  run(a) {
    const out: PostureHit[] = [];
    for (const i of a.instances) {
      if (!i.role || !i.publicIp || i.publicIp.value === false) continue;
      out.push({
        resource: i.resource,
        line: i.resource.line,
        lines: uniqLines(i.resource.line, i.publicIp.line),
        evidence: { kind: i.kind, role: i.role, publicIp: i.publicIp.value },
      });
    }
    return out;
  },
};

export const INSTANCE_EXPOSURE_CHECKS: readonly PostureCheck[] = [instancePublicIp, instanceRoleExposed];
