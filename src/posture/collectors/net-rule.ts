import type { NetRule, ResourceRef, SourceCidr } from '../assets.js';

const PROTOCOL_NUMBERS: Record<string, string> = {
  '-1': 'all',
  '6': 'tcp',
  '17': 'udp',
  '1': 'icmp',
  '58': 'icmpv6',
};

export function normalizeProtocol(p: string | number | undefined): string {
  if (p === undefined) return 'all';
  const s = String(p).trim().toLowerCase();
  return PROTOCOL_NUMBERS[s] ?? s;
}

/**
 * A source reaches the whole internet when its prefix length is 0 and the address is the zero address
 * ("0.0.0.0/0", "::/0") or left out ("/0"). "1.0.0.0/0" is not read as the internet: AWS rejects a CIDR with host
 * bits set, so such a rule never takes effect.
 */
export function isWorldCidr(cidr: string): boolean {
  const m = /^\s*([^/]*)\/0+\s*$/.exec(cidr);
  if (!m) return false;
  const addr = m[1]!.trim();
  return addr === '' || /^0+(\.0+){3}$/.test(addr) || /^[0:]*::?[0:]*$/.test(addr);
}

/**
 * All ports: protocol "all", or the port pair Terraform users write to mean "every port" (-1/-1, 0/0, or a range
 * covering 0..65535). ICMP has no ports.
 */
export function coversAllPorts(r: Pick<NetRule, 'protocol' | 'fromPort' | 'toPort'>): boolean {
  if (r.protocol === 'all') return true;
  if (r.protocol === 'icmp' || r.protocol === 'icmpv6') return false;
  const { fromPort: f, toPort: t } = r;
  if (f === undefined || t === undefined) return false;
  if ((f === -1 && t === -1) || (f === 0 && t === 0)) return true;
  return f <= 0 && t >= 65535;
}

/** Does the rule let `port` (TCP or UDP) in? Unknown ports answer false: a finding must rest on what is written. */
export function includesPort(r: Pick<NetRule, 'protocol' | 'fromPort' | 'toPort'>, port: number): boolean {
  if (coversAllPorts(r)) return true;
  if (r.protocol !== 'tcp' && r.protocol !== 'udp') return false;
  if (r.fromPort === undefined || r.toPort === undefined) return false;
  return r.fromPort <= port && port <= r.toPort;
}

export function isOpenToWorld(r: NetRule): boolean {
  if (r.direction !== 'ingress' || r.action === 'deny') return false;
  // A rule with no source at all admits nobody (AWS needs a source to add a permission).
  return r.world.length > 0;
}

export interface RuleParts {
  line: number;
  direction: 'ingress' | 'egress';
  protocol: string | number | undefined;
  fromPort: number | undefined;
  toPort: number | undefined;
  portLine: number | undefined;
  cidrs: { value: string; line: number; unknown?: boolean }[];
  /** Security-group references, prefix lists and self=true. */
  otherSources: number;
  action?: 'allow' | 'deny';
  ruleNo?: number;
  anchors?: (number | undefined)[];
}

export function buildRule(resource: ResourceRef, p: RuleParts): NetRule {
  const world: SourceCidr[] = [];
  let restricted = p.otherSources;
  let unknown = false;
  for (const c of p.cidrs) {
    if (c.unknown) unknown = true;
    else if (isWorldCidr(c.value)) world.push({ cidr: c.value, line: c.line });
    else restricted++;
  }
  const rule: NetRule = {
    resource,
    line: p.line,
    direction: p.direction,
    protocol: normalizeProtocol(p.protocol),
    fromPort: p.fromPort,
    toPort: p.toPort,
    portLine: p.portLine,
    world,
    restrictedSources: restricted,
    unspecifiedSource: world.length === 0 && restricted === 0 && !unknown,
    unknownSource: unknown,
  };
  if (p.protocol === undefined) rule.protocolUnstated = true;
  if (p.action) rule.action = p.action;
  if (p.ruleNo !== undefined) rule.ruleNo = p.ruleNo;
  const anchors = (p.anchors ?? []).filter((l): l is number => l !== undefined && l > 0);
  if (anchors.length > 0) rule.anchors = anchors;
  return rule;
}

export function describePorts(r: Pick<NetRule, 'protocol' | 'fromPort' | 'toPort'>): string {
  if (coversAllPorts(r)) return 'all ports';
  if (r.fromPort === undefined) return 'unstated ports';
  return r.fromPort === r.toPort ? `${r.protocol}/${r.fromPort}` : `${r.protocol}/${r.fromPort}-${r.toPort}`;
}
