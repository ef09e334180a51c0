import type { Severity } from '../../model/severity.js';
import type { NetRule } from '../assets.js';
import { coversAllPorts, describePorts, includesPort, isOpenToWorld } from '../collectors/net-rule.js';
import { type PostureCheck, type PostureHit, uniqLines } from './check.js';

/** Ports that mining groups scan for and walk in through (issue "Attack surface and posture"). */
export const SERVICE_PORTS: ReadonlyMap<number, string> = new Map([
  [2375, 'Docker API (plain HTTP)'],
  [2376, 'Docker API (TLS)'],
  [2379, 'etcd client API'],
  [6443, 'Kubernetes API server'],
  [10250, 'kubelet API'],
  [10255, 'kubelet read-only API'],
  [6379, 'Redis'],
  [27017, 'MongoDB'],
  [9200, 'Elasticsearch'],
  [7001, 'WebLogic'],
  [8090, 'Confluence'],
  [8088, 'Hadoop YARN ResourceManager'],
  [61616, 'ActiveMQ OpenWire'],
  [4505, 'SaltStack publisher'],
  [4506, 'SaltStack request server'],
]);

export const ADMIN_PORTS: ReadonlyMap<number, string> = new Map([
  [22, 'SSH'],
  [3389, 'RDP'],
]);

export const REFS_SG = [
  'https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html',
  'https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-13',
];

/** Security-group rules only: NACLs are stateless and usually wide open by design; they have their own check. */
export function sgIngressToWorld(rules: readonly NetRule[]): NetRule[] {
  return rules.filter((r) => r.action === undefined && isOpenToWorld(r));
}

export function baseHit(r: NetRule): PostureHit {
  const cidrLine = r.world[0]?.line;
  return {
    resource: r.resource,
    line: cidrLine ?? r.line,
    lines: uniqLines(r.resource.line, ...(r.anchors ?? []), r.line, cidrLine),
    evidence: {
      direction: r.direction,
      protocol: r.protocol,
      ports: describePorts(r),
      sources: r.world.map((w) => w.cidr),
    },
  };
}

/**
 * One hit per catalogue port that a security-group rule from the internet lets in, titled by its service. A rule
 * covering every port is reported once by ingress-all-ports, not once per service.
 */
export function servicePortHits(
  rules: readonly NetRule[],
  ports: ReadonlyMap<number, string>,
  severityFor: (port: number) => Severity,
): PostureHit[] {
  const out: PostureHit[] = [];
  for (const r of sgIngressToWorld(rules)) {
    if (coversAllPorts(r)) continue;
    for (const [port, service] of ports) {
      if (!includesPort(r, port)) continue;
      const b = baseHit(r);
      out.push({
        ...b,
        key: `${r.line}:${port}`,
        port,
        title: `${service} (port ${port}) is open to the internet`,
        severity: severityFor(port),
        evidence: { ...b.evidence, port, service },
      });
    }
  }
  return out;
}

/** What a port-range check found in one rule's range: the port the hit names, its title, what the evidence adds. */
export interface RangeFinding {
  port: number;
  title?: string;
  evidence: Record<string, unknown>;
}

/**
 * One hit per tcp/udp security-group rule from the internet in whose port range `pick` finds something. Rules with
 * every port open are reported once by ingress-all-ports; rules without a port range say nothing of ports.
 */
export function portRangeHits(
  rules: readonly NetRule[],
  pick: (fromPort: number, toPort: number) => RangeFinding | undefined,
): PostureHit[] {
  const out: PostureHit[] = [];
  for (const r of sgIngressToWorld(rules)) {
    if (coversAllPorts(r) || r.fromPort === undefined || r.toPort === undefined) continue;
    if (r.protocol !== 'tcp' && r.protocol !== 'udp') continue;
    const found = pick(r.fromPort, r.toPort);
    if (!found) continue;
    const b = baseHit(r);
    out.push({
      ...b,
      key: `${r.line}`,
      port: found.port,
      ...(found.title === undefined ? {} : { title: found.title }),
      evidence: { ...b.evidence, ...found.evidence },
    });
  }
  return out;
}

export const ingressAllPorts: PostureCheck = {
  meta: {
    id: 'posture.cloud.ingress-all-ports',
    title: 'Security group allows every port from the internet',
    severity: 'high',
    confidence: 0.95,
    category: 'posture',
    techniques: ['T1190', 'T1133'],
    remediation:
      'Remove the rule or narrow it to the ports the service needs and to known source ranges (a VPN, a bastion, a load balancer).',
    references: REFS_SG,
  },
  run(a) {
    return sgIngressToWorld(a.rules)
      .filter(coversAllPorts)
      .map((r) => ({ ...baseHit(r), key: `${r.line}` }));
  },
};

function portCheck(
  id: string,
  title: string,
  ports: ReadonlyMap<number, string>,
  remediation: string,
  severityFor: (port: number) => 'high' | 'critical',
): PostureCheck {
  return {
    meta: {
      id,
      title,
      severity: 'high',
      confidence: 0.95,
      category: 'posture',
      techniques: ['T1190', 'T1133'],
      remediation,
      references: REFS_SG,
    },
    run(a) {
      return servicePortHits(a.rules, ports, severityFor);
    },
  };
}

export const ingressRemoteAdmin = portCheck(
  'posture.cloud.ingress-remote-admin',
  'Remote administration port (SSH/RDP) is open to the internet',
  ADMIN_PORTS,
  'Allow SSH/RDP only from a bastion, VPN or your office ranges, or use SSM Session Manager / EC2 Instance Connect instead of an open port.',
  () => 'high',
);

export const ingressServicePort = portCheck(
  'posture.cloud.ingress-service-port',
  'A service that mining groups exploit is open to the internet',
  SERVICE_PORTS,
  'Keep databases, container and cluster APIs, and middleware admin ports on private networks; expose them only through an authenticated proxy.',
  (port) => (port === 2375 || port === 10250 || port === 2379 || port === 6379 ? 'critical' : 'high'),
);

export const ingressFromWorld: PostureCheck = {
  meta: {
    id: 'posture.cloud.ingress-from-world',
    title: 'Security group rule accepts traffic from the whole internet',
    severity: 'low',
    confidence: 0.9,
    category: 'posture',
    techniques: ['T1190'],
    remediation:
      'Confirm the port is meant to be public (a web front end); otherwise restrict the source to known ranges.',
    references: REFS_SG,
  },
  run(a) {
    return sgIngressToWorld(a.rules).map((r) => ({ ...baseHit(r), key: `${r.line}` }));
  },
};

/** NACL ingress rules (allow and deny) with an internet source. */
export function naclIngressFromWorld(rules: readonly NetRule[]): NetRule[] {
  return rules.filter((r) => r.action !== undefined && r.direction === 'ingress' && r.world.length > 0);
}

/**
 * Protocol -1/"all" as written: every protocol and port. A protocol we could not read is not counted, so the
 * broader finding rests on what the file says.
 */
export function admitsAllTraffic(r: NetRule): boolean {
  return r.protocol === 'all' && !r.protocolUnstated;
}

/** NACL rules are evaluated lowest number first: a deny for the same port from the internet wins. */
export function deniedEarlier(rules: readonly NetRule[], allow: NetRule, port: number): boolean {
  if (allow.ruleNo === undefined) return false;
  return rules.some(
    (d) =>
      d.resource === allow.resource &&
      d.action === 'deny' &&
      d.ruleNo !== undefined &&
      d.ruleNo < allow.ruleNo! &&
      includesPort(d, port),
  );
}

export const naclAdminPort: PostureCheck = {
  meta: {
    id: 'posture.cloud.nacl-remote-admin',
    title: 'Network ACL allows SSH/RDP from the internet',
    severity: 'medium',
    confidence: 0.8,
    category: 'posture',
    techniques: ['T1133'],
    remediation: 'Add NACL deny rules for 22/3389 from 0.0.0.0/0 (and ::/0) or narrow the allow rule.',
    references: ['https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html'],
  },
  run(a) {
    const out: PostureHit[] = [];
    const nacl = naclIngressFromWorld(a.rules);
    for (const r of nacl) {
      // An allow-all rule is reported once by nacl-allow-all. A tcp/udp rule with ports 0/0 stays here: it is
      // read as every port of that protocol, SSH among them.
      if (r.action !== 'allow' || admitsAllTraffic(r)) continue;
      for (const [port, service] of ADMIN_PORTS) {
        if (!includesPort(r, port) || deniedEarlier(nacl, r, port)) continue;
        const b = baseHit(r);
        out.push({ ...b, key: `${r.line}:${port}`, port, evidence: { ...b.evidence, port, service } });
      }
    }
    return out;
  },
};

export const NETWORK_EXPOSURE_CHECKS: readonly PostureCheck[] = [
  ingressAllPorts,
  ingressRemoteAdmin,
  ingressServicePort,
  ingressFromWorld,
  naclAdminPort,
];
