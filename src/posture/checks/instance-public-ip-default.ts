import { type PostureCheck, type PostureHit, uniqLines } from './check.js';

/**
 * An instance that does not say `associate_public_ip_address = false` takes its subnet's default, and public
 * subnets hand out addresses: whether the host faces the internet is then decided by whoever edits the subnet.
 */
export const instancePublicIpDefault: PostureCheck = {
  meta: {
    id: 'posture.cloud.instance-public-ip-default',
    title: 'Instance does not rule out a public IP address',
    severity: 'low',
    confidence: 0.6,
    category: 'posture',
    techniques: ['T1133'],
    remediation:
      'Set associate_public_ip_address = false (or attach a network interface in a private subnet) so the instance never gets a public address by default.',
    references: ['https://docs.aws.amazon.com/vpc/latest/userguide/vpc-ip-addressing.html#subnet-public-ip'],
  },
  run(a) {
    const out: PostureHit[] = [];
    for (const i of a.instances) {
      // Launch templates and configurations are checked where they are used; AWS API records say what happened.
      if (i.kind !== 'instance' || i.resource.source !== 'terraform') continue;
      if (i.publicIp !== undefined || i.explicitInterface) continue;
      out.push({
        resource: i.resource,
        line: i.resource.line,
        lines: uniqLines(i.resource.line),
        evidence: { kind: i.kind, associatePublicIpAddress: '(not set: the subnet decides)' },
      });
    }
    return out;
  },
};
