import type { NetRule } from '../assets.js';
import type { PostureCheck, PostureHit } from './check.js';
import {
  ADMIN_PORTS,
  admitsAllTraffic,
  baseHit,
  deniedEarlier,
  naclIngressFromWorld,
} from './network-exposure.js';

/** A lower-numbered deny of all traffic from the internet leaves the allow rule nothing to admit. */
function shadowed(nacl: readonly NetRule[], allow: NetRule): boolean {
  if (allow.ruleNo === undefined) return false;
  return nacl.some(
    (d) =>
      d.resource === allow.resource &&
      d.action === 'deny' &&
      d.ruleNo !== undefined &&
      d.ruleNo < allow.ruleNo! &&
      admitsAllTraffic(d),
  );
}

/**
 * An allow rule for protocol -1 from the internet opens every port of the subnet at once, a broader fault than one
 * open admin port (Checkov splits it the same way: CKV_AWS_352 beside the per-port CKV_AWS_229..232). It is
 * reported once here, and nacl-remote-admin leaves it out.
 */
export const naclAllowAll: PostureCheck = {
  meta: {
    id: 'posture.cloud.nacl-allow-all',
    title: 'Network ACL admits all traffic from the internet',
    severity: 'high',
    confidence: 0.8,
    category: 'posture',
    techniques: ['T1190', 'T1133'],
    remediation:
      'Replace the allow-all rule with allow rules for the ports the subnet serves, or narrow its source; give deny rules for 22/3389 from 0.0.0.0/0 and ::/0 lower rule numbers than it.',
    references: [
      'https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html',
      'https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-21',
    ],
  },
  run(a) {
    const out: PostureHit[] = [];
    const nacl = naclIngressFromWorld(a.rules);
    for (const r of nacl) {
      if (r.action !== 'allow' || !admitsAllTraffic(r) || shadowed(nacl, r)) continue;
      const admitted: number[] = [];
      const denied: number[] = [];
      for (const port of ADMIN_PORTS.keys()) (deniedEarlier(nacl, r, port) ? denied : admitted).push(port);
      const name = (ports: number[]) => ports.map((p) => `${ADMIN_PORTS.get(p)} (${p})`).join(', ');
      const cidr = r.world.map((w) => w.cidr).join(', ');
      const rule = r.ruleNo === undefined ? 'the rule' : `rule ${r.ruleNo}`;
      const b = baseHit(r);
      out.push({
        ...b,
        key: `${r.line}`,
        evidence: {
          ...b.evidence,
          ruleNo: r.ruleNo,
          cidr,
          adminPorts: admitted,
          ...(denied.length > 0 ? { adminPortsDeniedEarlier: denied } : {}),
          admits:
            denied.length === 0
              ? `${rule} allows every protocol and port from ${cidr}: ${name(admitted)} and every other port`
              : `${rule} allows every protocol and port from ${cidr} that no lower-numbered rule denies` +
                (admitted.length > 0 ? `: ${name(admitted)} and every other port` : '') +
                `; ${name(denied)} ${denied.length > 1 ? 'are' : 'is'} denied by a lower-numbered rule`,
        },
      });
    }
    return out;
  },
};
