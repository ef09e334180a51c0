import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IAC_CHECKS } from '../../src/posture/checks/index.js';
import { loadAws } from '../../src/posture/load.js';
import { runChecks } from '../../src/posture/run.js';
import { CLOUDCONFIG } from './kics-score.js';

const PLACEBO = path.join(CLOUDCONFIG, 'aws_api_fixtures/cloud-custodian/placebo');
const run = (f: string) =>
  runChecks(loadAws(path.join(PLACEBO, f)), IAC_CHECKS, { id: 'h', name: 'h' }, '2026-01-01T00:00:00Z');

interface Perm {
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: { CidrIp: string }[];
  Ipv6Ranges?: { CidrIpv6: string }[];
}

describe('recorded AWS API responses (Cloud Custodian placebo)', () => {
  it('DescribeSecurityGroups: every ingress range open to the internet is found, on its group and ports', () => {
    const file = 'test_only_ports_and_cidr_ingress/ec2.DescribeSecurityGroups_1.json';
    const raw = JSON.parse(readFileSync(path.join(PLACEBO, file), 'utf8')) as {
      data: { SecurityGroups: { GroupId: string; IpPermissions: Perm[] }[] };
    };
    const expected = raw.data.SecurityGroups.flatMap((sg) =>
      sg.IpPermissions.filter(
        (p) =>
          p.IpRanges?.some((r) => r.CidrIp === '0.0.0.0/0') ||
          p.Ipv6Ranges?.some((r) => r.CidrIpv6 === '::/0'),
      ).map(
        (p) =>
          `${sg.GroupId} ${p.IpProtocol}/${p.FromPort === p.ToPort ? p.FromPort : `${p.FromPort}-${p.ToPort}`}`,
      ),
    );
    const findings = run(file);
    const open = findings
      .filter((f) => f.ruleId === 'posture.cloud.ingress-from-world')
      .map((f) => `${String(f.entity.name).split(' ')[0]} ${f.evidence.ports}`);
    expect(open.sort()).toEqual(expected.sort());
    expect(expected).toHaveLength(7);
    // Custodian's test: with 80/443 allowed, the c7n group's other open ports are 1234-4321 and 8080.
    const c7n = open.filter((o) => o.startsWith('sg-02a60363e2b087ff8') && !/tcp\/(80|443)$/.test(o));
    expect(c7n.sort()).toEqual(['sg-02a60363e2b087ff8 tcp/1234-4321', 'sg-02a60363e2b087ff8 tcp/8080']);
    // The 1234-4321 range covers the Docker API, etcd and RDP ports.
    const inC7n = (id: string) =>
      findings.filter((f) => f.entity.name?.startsWith('sg-02a60363e2b087ff8') && f.ruleId === id);
    const svc = [
      ...inC7n('posture.cloud.ingress-service-port'),
      ...inC7n('posture.cloud.ingress-remote-admin'),
    ];
    expect(svc.map((f) => f.entity.port).sort()).toEqual([2375, 2376, 2379, 3389]);
    // ... and SQL Server (1433) among other sensitive services, and ports no service is known for (1234).
    expect(inC7n('posture.cloud.ingress-sensitive-port').map((f) => f.evidence.sensitivePorts)).toEqual([
      [1433, 1434, 1521, 2049, 2383, 2483, 2484, 3306],
    ]);
    expect(inC7n('posture.cloud.ingress-unknown-port').map((f) => f.entity.port)).toEqual([1234]);
    expect(
      findings.every((f) => f.entity.kind === 'cloud-resource' && typeof f.evidence.line === 'number'),
    ).toBe(true);
  });

  it('DescribeInstances: IMDSv1 on every instance before, none after tokens are required', () => {
    const before = run('test_ec2_set_md_access/ec2.DescribeInstances_1.json').filter(
      (f) => f.ruleId === 'posture.cloud.imdsv1-allowed',
    );
    expect(before).toHaveLength(4);
    expect(before.every((f) => f.evidence.http_tokens === 'optional')).toBe(true);
    const after = run('test_ec2_set_md_access/ec2.DescribeInstances_2.json').filter(
      (f) => f.ruleId === 'posture.cloud.imdsv1-allowed',
    );
    expect(after).toEqual([]);
  });
});
