import type { Instance, NetRule, ResourceRef } from '../assets.js';
import { buildRule } from './net-rule.js';
import { get, items, keyLine, type LNode, num, str } from './tree.js';

/** Recorded AWS responses come bare (aws cli --output json) or wrapped ({status_code, data}, boto/placebo). */
export function unwrapAwsResponse(root: LNode): LNode {
  const data = get(root, 'data');
  return data && get(root, 'status_code') !== undefined ? data : root;
}

function rulesOf(sg: LNode, ref: ResourceRef, key: 'IpPermissions' | 'IpPermissionsEgress'): NetRule[] {
  const direction = key === 'IpPermissions' ? 'ingress' : 'egress';
  return items(get(sg, key)).map((p) => {
    const cidrs = [
      ...items(get(p, 'IpRanges')).map((r) => ({ value: str(get(r, 'CidrIp')) ?? '', line: r.line })),
      ...items(get(p, 'Ipv6Ranges')).map((r) => ({ value: str(get(r, 'CidrIpv6')) ?? '', line: r.line })),
    ].filter((c) => c.value !== '');
    return buildRule(ref, {
      line: p.line,
      direction,
      protocol: str(get(p, 'IpProtocol')),
      fromPort: num(get(p, 'FromPort')),
      toPort: num(get(p, 'ToPort')),
      portLine: keyLine(p, 'FromPort'),
      cidrs,
      otherSources: items(get(p, 'UserIdGroupPairs')).length + items(get(p, 'PrefixListIds')).length,
    });
  });
}

/** DescribeSecurityGroups: one resource per group, its ingress and egress permissions as rules. */
export function fromDescribeSecurityGroups(
  root: LNode,
  file: string,
): { refs: ResourceRef[]; rules: NetRule[] } {
  const refs: ResourceRef[] = [];
  const rules: NetRule[] = [];
  for (const sg of items(get(root, 'SecurityGroups'))) {
    const id = str(get(sg, 'GroupId')) ?? str(get(sg, 'GroupName')) ?? '(unknown group)';
    const name = str(get(sg, 'GroupName'));
    const ref: ResourceRef = {
      address: name && name !== id ? `${id} (${name})` : id,
      type: 'AWS::EC2::SecurityGroup',
      file,
      line: sg.line,
      source: 'aws-api',
    };
    refs.push(ref);
    rules.push(...rulesOf(sg, ref, 'IpPermissions'), ...rulesOf(sg, ref, 'IpPermissionsEgress'));
  }
  return { refs, rules };
}

/** DescribeInstances: metadata options, public address, instance profile and groups of every instance. */
export function fromDescribeInstances(root: LNode, file: string): Instance[] {
  const out: Instance[] = [];
  for (const res of items(get(root, 'Reservations'))) {
    for (const inst of items(get(res, 'Instances'))) {
      const id = str(get(inst, 'InstanceId')) ?? '(unknown instance)';
      const ref: ResourceRef = {
        address: id,
        type: 'AWS::EC2::Instance',
        file,
        line: inst.line,
        source: 'aws-api',
      };
      const mo = get(inst, 'MetadataOptions');
      const pip = get(inst, 'PublicIpAddress');
      out.push({
        resource: ref,
        kind: 'instance',
        metadata: mo
          ? {
              tokens: str(get(mo, 'HttpTokens')),
              endpoint: str(get(mo, 'HttpEndpoint')),
              hopLimit: num(get(mo, 'HttpPutResponseHopLimit')),
              line: keyLine(inst, 'MetadataOptions'),
              tokensLine: keyLine(mo, 'HttpTokens'),
              hopLine: keyLine(mo, 'HttpPutResponseHopLimit'),
            }
          : undefined,
        publicIp: pip && str(pip) ? { value: str(pip)!, line: pip.line } : undefined,
        role: str(get(get(inst, 'IamInstanceProfile'), 'Arn')),
        securityGroups: items(get(inst, 'SecurityGroups')).flatMap((g) => str(get(g, 'GroupId')) ?? []),
      });
    }
  }
  return out;
}
