import type { Instance, InstanceMetadataOptions, NetRule, RawResource } from '../assets.js';
import { buildRule } from './net-rule.js';
import { bool, firstKeyLine, get, isEmpty, items, keyLine, type LNode, num, str, strings } from './tree.js';

/** Named rules of terraform-aws-modules/security-group that matter for exposure; others leave ports unknown. */
const MODULE_NAMED_RULES: Record<string, [number, number, string]> = {
  'all-all': [-1, -1, '-1'],
  'all-tcp': [0, 65535, 'tcp'],
  'ssh-tcp': [22, 22, 'tcp'],
  'rdp-tcp': [3389, 3389, 'tcp'],
  'http-80-tcp': [80, 80, 'tcp'],
  'https-443-tcp': [443, 443, 'tcp'],
  'redis-tcp': [6379, 6379, 'tcp'],
  'mongodb-27017-tcp': [27017, 27017, 'tcp'],
  'elasticsearch-rest-tcp': [9200, 9200, 'tcp'],
  'docker-swarm-mngmt-tcp': [2377, 2377, 'tcp'],
  'kubernetes-api-tcp': [6443, 6443, 'tcp'],
  'etcd-client-tcp': [2379, 2379, 'tcp'],
  'mysql-tcp': [3306, 3306, 'tcp'],
  'postgresql-tcp': [5432, 5432, 'tcp'],
};

function sourceCount(n: LNode | undefined): number {
  if (!n || isEmpty(n)) return 0;
  if (n.kind === 'seq') return n.items.length;
  if (n.kind === 'scalar' && typeof n.value === 'boolean') return n.value ? 1 : 0;
  return 1;
}

function portLine(body: LNode): number | undefined {
  return keyLine(body, 'from_port') ?? keyLine(body, 'to_port');
}

/** aws_security_group inline rules (blocks or a list of objects) and the SG module's ingress blocks. */
function inlineRules(r: RawResource): NetRule[] {
  const out: NetRule[] = [];
  for (const direction of ['ingress', 'egress'] as const) {
    for (const it of items(get(r.body, direction))) {
      if (it.kind !== 'map') continue;
      out.push(
        buildRule(r.ref, {
          line: it.line,
          direction,
          protocol: str(get(it, 'protocol')),
          fromPort: num(get(it, 'from_port')),
          toPort: num(get(it, 'to_port')),
          portLine: portLine(it),
          cidrs: [...strings(get(it, 'cidr_blocks')), ...strings(get(it, 'ipv6_cidr_blocks'))],
          otherSources:
            sourceCount(get(it, 'security_groups')) +
            sourceCount(get(it, 'prefix_list_ids')) +
            (bool(get(it, 'self')) ? 1 : 0),
          anchors: [keyLine(r.body, direction), firstKeyLine(it)],
        }),
      );
    }
  }
  return out;
}

function standaloneRule(r: RawResource): NetRule | undefined {
  const b = r.body;
  if (r.ref.type === 'aws_security_group_rule') {
    const type = str(get(b, 'type'));
    if (type !== 'ingress' && type !== 'egress') return undefined;
    return buildRule(r.ref, {
      line: r.ref.line,
      direction: type,
      protocol: str(get(b, 'protocol')),
      fromPort: num(get(b, 'from_port')),
      toPort: num(get(b, 'to_port')),
      portLine: portLine(b),
      cidrs: [...strings(get(b, 'cidr_blocks')), ...strings(get(b, 'ipv6_cidr_blocks'))],
      otherSources:
        sourceCount(get(b, 'source_security_group_id')) +
        sourceCount(get(b, 'prefix_list_ids')) +
        (bool(get(b, 'self')) ? 1 : 0),
    });
  }
  const direction = r.ref.type === 'aws_vpc_security_group_ingress_rule' ? 'ingress' : 'egress';
  return buildRule(r.ref, {
    line: r.ref.line,
    direction,
    protocol: str(get(b, 'ip_protocol')),
    fromPort: num(get(b, 'from_port')),
    toPort: num(get(b, 'to_port')),
    portLine: portLine(b),
    cidrs: [...strings(get(b, 'cidr_ipv4')), ...strings(get(b, 'cidr_ipv6'))],
    otherSources: sourceCount(get(b, 'referenced_security_group_id')) + sourceCount(get(b, 'prefix_list_id')),
  });
}

/** terraform-aws-modules/security-group: ingress_cidr_blocks apply to every named rule and ingress_with_* rule. */
function moduleRules(r: RawResource): NetRule[] {
  const b = r.body;
  const out = inlineRules(r);
  const cidrs = [...strings(get(b, 'ingress_cidr_blocks')), ...strings(get(b, 'ingress_ipv6_cidr_blocks'))];
  const named = strings(get(b, 'ingress_rules'));
  const cidrLine = keyLine(b, 'ingress_cidr_blocks') ?? keyLine(b, 'ingress_ipv6_cidr_blocks') ?? r.ref.line;
  if (cidrs.length > 0) {
    const rules = named.length > 0 ? named : [{ value: '', line: cidrLine }];
    for (const n of rules) {
      const known = MODULE_NAMED_RULES[n.value];
      out.push(
        buildRule(r.ref, {
          line: cidrLine,
          direction: 'ingress',
          protocol: known?.[2] ?? 'tcp',
          fromPort: known?.[0],
          toPort: known?.[1],
          portLine: n.line,
          cidrs,
          otherSources: 0,
        }),
      );
    }
  }
  for (const it of items(get(b, 'ingress_with_cidr_blocks'))) {
    const list = strings(get(it, 'cidr_blocks')).flatMap((c) =>
      c.unknown ? [c] : c.value.split(',').map((v) => ({ value: v.trim(), line: c.line })),
    );
    const named = MODULE_NAMED_RULES[str(get(it, 'rule')) ?? ''];
    out.push(
      buildRule(r.ref, {
        line: it.line,
        direction: 'ingress',
        protocol: str(get(it, 'protocol')) ?? named?.[2],
        fromPort: num(get(it, 'from_port')) ?? named?.[0],
        toPort: num(get(it, 'to_port')) ?? named?.[1],
        portLine: portLine(it),
        cidrs: list,
        otherSources: 0,
      }),
    );
  }
  return out;
}

function naclRule(
  r: RawResource,
  it: LNode,
  direction: 'ingress' | 'egress',
  line: number,
  actionKey: string,
  listKey?: string,
): NetRule {
  const action = str(get(it, actionKey))?.toLowerCase() === 'deny' ? 'deny' : 'allow';
  return buildRule(r.ref, {
    line,
    direction,
    protocol: str(get(it, 'protocol')),
    fromPort: num(get(it, 'from_port')),
    toPort: num(get(it, 'to_port')),
    portLine: portLine(it),
    cidrs: [...strings(get(it, 'cidr_block')), ...strings(get(it, 'ipv6_cidr_block'))],
    otherSources: 0,
    action,
    ruleNo: num(get(it, 'rule_no') ?? get(it, 'rule_number')),
    anchors: listKey ? [keyLine(r.body, listKey), firstKeyLine(it)] : [],
  });
}

/** aws_network_acl ingress/egress blocks and aws_network_acl_rule. */
function naclRules(r: RawResource): NetRule[] {
  if (r.ref.type === 'aws_network_acl_rule') {
    const direction = bool(get(r.body, 'egress')) ? 'egress' : 'ingress';
    return [naclRule(r, r.body, direction, r.ref.line, 'rule_action')];
  }
  const out: NetRule[] = [];
  for (const direction of ['ingress', 'egress'] as const)
    for (const it of items(get(r.body, direction)))
      out.push(naclRule(r, it, direction, it.line, 'action', direction));
  return out;
}

/** terraform-aws-modules/vpc: NACL rules are module inputs, one list per subnet tier. */
const VPC_MODULE_NACL_INPUTS: [string, 'ingress' | 'egress'][] = [
  ['default_network_acl_ingress', 'ingress'],
  ['public_inbound_acl_rules', 'ingress'],
  ['private_inbound_acl_rules', 'ingress'],
  ['intra_inbound_acl_rules', 'ingress'],
  ['database_inbound_acl_rules', 'ingress'],
  ['default_network_acl_egress', 'egress'],
  ['public_outbound_acl_rules', 'egress'],
  ['private_outbound_acl_rules', 'egress'],
];

function vpcModuleNaclRules(r: RawResource): NetRule[] {
  const out: NetRule[] = [];
  for (const [input, direction] of VPC_MODULE_NACL_INPUTS)
    for (const it of items(get(r.body, input)))
      if (it.kind === 'map') out.push(naclRule(r, it, direction, it.line, 'action', input));
  return out;
}

function isVpcModule(r: RawResource): boolean {
  return r.ref.type === 'module' && /terraform-aws-modules\/vpc/.test(str(get(r.body, 'source')) ?? '');
}

export function isSecurityGroupModule(r: RawResource): boolean {
  return r.ref.type === 'module' && /security-group/.test(str(get(r.body, 'source')) ?? '');
}

export function rulesFromTerraform(resources: readonly RawResource[]): NetRule[] {
  const out: NetRule[] = [];
  for (const r of resources) {
    const t = r.ref.type;
    if (t === 'aws_security_group' || t === 'aws_default_security_group') out.push(...inlineRules(r));
    else if (
      t === 'aws_security_group_rule' ||
      t === 'aws_vpc_security_group_ingress_rule' ||
      t === 'aws_vpc_security_group_egress_rule'
    ) {
      const rule = standaloneRule(r);
      if (rule) out.push(rule);
    } else if (t === 'aws_network_acl' || t === 'aws_network_acl_rule') out.push(...naclRules(r));
    else if (isSecurityGroupModule(r)) out.push(...moduleRules(r));
    else if (isVpcModule(r)) out.push(...vpcModuleNaclRules(r));
  }
  return out;
}

function metadataOptions(body: LNode): InstanceMetadataOptions | undefined {
  const m = items(get(body, 'metadata_options'))[0];
  if (!m) return undefined;
  return {
    tokens: str(get(m, 'http_tokens')),
    endpoint: str(get(m, 'http_endpoint')),
    hopLimit: num(get(m, 'http_put_response_hop_limit')),
    line: keyLine(body, 'metadata_options') ?? m.line,
    tokensLine: keyLine(m, 'http_tokens'),
    hopLine: keyLine(m, 'http_put_response_hop_limit'),
  };
}

const INSTANCE_KINDS: Record<string, Instance['kind']> = {
  aws_instance: 'instance',
  aws_launch_template: 'launch-template',
  aws_launch_configuration: 'launch-configuration',
};

export function instancesFromTerraform(resources: readonly RawResource[]): Instance[] {
  const out: Instance[] = [];
  for (const r of resources) {
    const isEc2Module = r.ref.type === 'module' && /ec2-instance/.test(str(get(r.body, 'source')) ?? '');
    const kind = isEc2Module ? 'instance' : INSTANCE_KINDS[r.ref.type];
    if (!kind) continue;
    const b = r.body;
    let publicIp: Instance['publicIp'];
    const direct = get(b, 'associate_public_ip_address');
    const nic = items(get(b, 'network_interfaces'))
      .map((n) => get(n, 'associate_public_ip_address'))
      .find((n) => n !== undefined);
    const pip = direct ?? nic;
    if (pip) {
      const v = bool(pip);
      publicIp = { value: v ?? (pip.kind === 'scalar' ? String(pip.value) : 'unknown'), line: pip.line };
    }
    const profile = get(b, 'iam_instance_profile');
    const role =
      profile?.kind === 'scalar'
        ? str(profile)
        : profile?.kind === 'unknown'
          ? profile.text
          : (str(get(items(profile)[0], 'name')) ?? str(get(items(profile)[0], 'arn')));
    out.push({
      resource: r.ref,
      kind,
      metadata: metadataOptions(b),
      publicIp,
      role,
      securityGroups: strings(get(b, 'vpc_security_group_ids')).map((s) => s.value),
      explicitInterface: items(get(b, 'network_interface')).length > 0,
    });
  }
  return out;
}
