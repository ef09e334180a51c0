import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Assets, emptyAssets, type ResourceRef } from '../assets.js';
import { buildRule, type RuleParts } from '../collectors/net-rule.js';
import { loadTerraform } from '../load.js';
import { runChecks } from '../run.js';
import { IAC_CHECKS } from './index.js';

const DATA = path.resolve(import.meta.dirname, '../../../../shared/data/cloudconfig');
const KICS_NACL = path.join(
  DATA,
  'kics/assets/queries/terraform/aws/network_acl_with_unrestricted_access_to_ssh/test',
);
const CHECKOV_NACL = path.join(DATA, 'checkov/terraform/example_NetworkACLUnrestrictedIngress22/main.tf');
const HOST = { id: 't', name: 't' };

const nacl = (assets: Assets) =>
  runChecks(assets, IAC_CHECKS, HOST, '2026-01-01T00:00:00Z').filter((f) => f.ruleId.includes('.nacl-'));

const REF: ResourceRef = {
  address: 'aws_network_acl.t',
  type: 'aws_network_acl',
  file: 't.tf',
  line: 1,
  source: 'terraform',
};
function assetsOf(...rules: Partial<RuleParts>[]): Assets {
  const a = emptyAssets();
  for (const [i, r] of rules.entries())
    a.rules.push(
      buildRule(REF, {
        line: 10 * (i + 1),
        direction: 'ingress',
        protocol: '-1',
        fromPort: 0,
        toPort: 0,
        portLine: undefined,
        cidrs: [{ value: '0.0.0.0/0', line: 10 * (i + 1) + 1 }],
        otherSources: 0,
        action: 'allow',
        ruleNo: 100,
        ...r,
      }),
    );
  return a;
}

describe('posture.cloud.nacl-allow-all', () => {
  it('reports an allow rule for protocol -1 from 0.0.0.0/0 once, and not as open SSH/RDP ports', () => {
    const found = nacl(loadTerraform(path.join(KICS_NACL, 'negative5.tf')));
    expect(found.map((f) => [f.ruleId, f.severity, f.evidence.line])).toEqual([
      ['posture.cloud.nacl-allow-all', 'high', 15],
    ]);
    expect(found[0]!.title).toBe('Network ACL admits all traffic from the internet');
    expect(found[0]!.evidence).toMatchObject({
      ruleNo: 100,
      cidr: '0.0.0.0/0',
      adminPorts: [22, 3389],
      admits:
        'rule 100 allows every protocol and port from 0.0.0.0/0: SSH (22), RDP (3389) and every other port',
    });
  });

  it('reports ::/0 too, and names admin ports a lower-numbered deny closes', () => {
    const v6 = nacl(assetsOf({ cidrs: [{ value: '::/0', line: 11 }] }));
    expect(v6.map((f) => [f.ruleId, f.evidence.cidr])).toEqual([['posture.cloud.nacl-allow-all', '::/0']]);

    const found = nacl(loadTerraform(CHECKOV_NACL)).filter(
      (f) => f.ruleId === 'posture.cloud.nacl-allow-all',
    );
    const pass3 = found.find((f) => f.entity.name === 'aws_network_acl.pass3');
    expect(pass3?.evidence).toMatchObject({ adminPorts: [], adminPortsDeniedEarlier: [22, 3389] });
    const fail4 = found.find((f) => f.entity.name === 'aws_network_acl.fail4');
    expect(fail4?.evidence).toMatchObject({ ruleNo: 10, adminPorts: [22, 3389] });
  });

  it('leaves tcp 0/0, restricted sources, denies, unread protocols and rules behind a deny-all to other checks', () => {
    // KICS positive4: tcp with ports 0/0 is SSH-positive for nacl-remote-admin, not all traffic.
    const tcp = nacl(loadTerraform(path.join(KICS_NACL, 'positive4.tf')));
    expect(tcp.map((f) => [f.ruleId, f.entity.port])).toEqual([
      ['posture.cloud.nacl-remote-admin', 22],
      ['posture.cloud.nacl-remote-admin', 3389],
    ]);
    expect(nacl(assetsOf({ cidrs: [{ value: '10.3.0.0/18', line: 11 }] }))).toEqual([]);
    expect(nacl(assetsOf({ action: 'deny' }))).toEqual([]);
    expect(nacl(assetsOf({ ruleNo: 100 }, { ruleNo: 50, action: 'deny' }))).toEqual([]);
    const unread = nacl(assetsOf({ protocol: undefined, fromPort: 22, toPort: 22 }));
    expect(unread.map((f) => f.ruleId)).not.toContain('posture.cloud.nacl-allow-all');
  });
});
