import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMinerPorts } from '../../intel/miner-ports.js';
import { loadBuiltinPoolIntel } from '../../intel/pools/index.js';
import type { Finding } from '../../model/finding.js';
import { severityRank } from '../../model/severity.js';
import { loadHostMap } from '../../sources/cloud/index.js';
import { analyzeCloudLogs } from './analyze.js';

const F = path.resolve(import.meta.dirname, '../../../test/fixtures/cloud');

function key(f: Finding): string {
  const e = f.entity;
  const where = [e.name, e.path, e.ip && e.port !== undefined ? `${e.ip}:${e.port}` : e.ip].filter(Boolean);
  return `${f.ruleId} @${f.host.id} ${where.join(' ')}`;
}

/** What the fixtures plant (test/fixtures/cloud/README.md), as rule @host entity. */
const PLANTED = [
  // Route 53 Resolver: web-1 asks for a pool; the answer makes 198.51.100.77 a pool address for the flow rules.
  'cloud.dns.pool-query @web-1 supportxmr.com 10.0.1.15',
  // VPC flow logs, default format, S3 delivery (gzip): web-1 mining to that pool on 3333 for 8 minutes.
  'cloud.flow.pool-address @web-1 198.51.100.77:3333',
  'cloud.flow.miner-port @web-1 198.51.100.77:3333',
  'cloud.flow.stratum-shape @web-1 198.51.100.77:3333',
  // ...and SSH probed from 12 internet sources, all rejected.
  'cloud.flow.admin-scan @eni-0a1b2c3d4e5f60002 ssh 10.0.1.20:22',
  // Custom v5 format: stratum over TLS (shape only), Redis open to the internet.
  'cloud.flow.stratum-shape @i-0fedcba9876543210 203.0.113.200:443',
  'cloud.flow.admin-exposed @i-0aaaabbbbcccc0001 redis 10.0.2.31:6379',
  // CloudWatch Logs export: a miner-port flow.
  'cloud.flow.miner-port @eni-0a1b2c3d4e5f60004 192.0.2.44:4444',
  // GCP: Cloud DNS pool query and the flow to the answer on 5555, both on miner-vm.
  'cloud.dns.pool-query @miner-vm 2miners.com 10.128.0.5',
  'cloud.flow.pool-address @miner-vm 198.51.100.150:5555',
  'cloud.flow.miner-port @miner-vm 198.51.100.150:5555',
  // Azure NSG v2: Docker API accepted from the internet, a stratum session on 3333.
  'cloud.flow.admin-exposed @nsg-vm-1 docker 10.5.16.4:2375',
  'cloud.flow.miner-port @nsg-vm-1 198.51.100.200:3333',
  'cloud.flow.stratum-shape @nsg-vm-1 198.51.100.200:3333',
  // CloudTrail: a leaked key's session.
  'cloud.api.quota-enumeration @account:123456789010 arn:aws:iam::123456789010:user/ci-deploy',
  'cloud.api.run-instances-burst @account:123456789010 arn:aws:iam::123456789010:user/ci-deploy ap-southeast-1',
  'cloud.api.ecs-miner-task @account:123456789010 task-definition/worker',
  'cloud.api.iam-persistence @account:123456789010 arn:aws:iam::123456789010:user/ci-deploy CreateAccessKey backup-admin',
  'cloud.api.iam-persistence @account:123456789010 arn:aws:iam::123456789010:user/ci-deploy AttachUserPolicy backup-admin',
  'cloud.api.iam-persistence @account:123456789010 arn:aws:iam::123456789010:user/ci-deploy CreateLoginProfile backup-admin',
  'cloud.api.logging-disabled @account:123456789010 arn:aws:iam::123456789010:user/ci-deploy StopLogging',
  'cloud.api.logging-disabled @account:123456789010 arn:aws:iam::123456789010:user/ci-deploy DeleteDetector',
  'cloud.api.logging-disabled @account:123456789010 arn:aws:iam::123456789010:user/ci-deploy DisableSecurityHub',
  'cloud.api.logging-disabled @account:123456789010 arn:aws:iam::123456789010:user/ci-deploy DeleteTrail',
  'cloud.api.instance-credentials-outside @web-1 i-0a1b2c3d4e5f60001 198.51.100.23',
];

describe('cloud log fixtures with planted activity', async () => {
  const hosts = await loadHostMap(path.join(F, 'hosts.json'));
  const r = await analyzeCloudLogs(
    {
      vpcFlow: [path.join(F, 'aws-vpc-flow')],
      resolver: [path.join(F, 'route53-resolver')],
      cloudtrail: [path.join(F, 'cloudtrail')],
      gcp: [path.join(F, 'gcp')],
      azureNsg: [path.join(F, 'azure-nsg')],
    },
    {
      intel: loadBuiltinPoolIntel(),
      minerPorts: loadMinerPorts(),
      hosts,
      instanceAddresses: (i) => hosts.addressesOf(i),
    },
  );

  it('reads every file in every format without skipping a record', () => {
    expect(r.files.map((f) => f.format).sort()).toEqual([
      'aws-cloudtrail',
      'aws-route53-resolver',
      'aws-vpc-flow',
      'aws-vpc-flow',
      'aws-vpc-flow-cloudwatch',
      'azure-nsg-flow',
      'gcp-logging',
    ]);
    expect(r.warnings).toEqual([]);
    for (const f of r.files)
      expect(f.skipped.malformed + f.skipped.tooLarge + f.skipped.unknownVersion).toBe(0);
    // The AWS documentation's NODATA and SKIPDATA examples, and the CloudWatch NODATA record, are counted apart.
    expect(r.files.reduce((a, f) => a + f.skipped.noData, 0)).toBe(3);
  });

  it('finds every planted item, and nothing else above low', () => {
    const got = r.findings.map(key);
    for (const p of PLANTED) expect(got).toContain(p);
    const aboveLow = r.findings.filter((f) => severityRank(f.severity) > severityRank('low')).map(key);
    expect(aboveLow.filter((k) => !PLANTED.includes(k))).toEqual([]);
    expect(got.length).toBe(PLANTED.length);
  });

  it('puts findings on the mapped host when the instance, interface or address is known', () => {
    const web = r.findings.filter((f) => f.host.id === 'web-1');
    expect(web.length).toBe(5);
    for (const f of web) expect(f.host.name).toBe('web-1.prod');
    expect(
      r.findings.find((f) => f.ruleId === 'cloud.flow.admin-exposed' && f.host.id === 'nsg-vm-1')?.host.name,
    ).toBe('fabrikamvm1');
  });

  it('keeps the instance and account in the evidence', () => {
    const q = r.findings.find((f) => key(f).startsWith('cloud.dns.pool-query @web-1'));
    expect(q?.evidence).toMatchObject({
      instance: 'i-0a1b2c3d4e5f60001',
      account: '123456789010',
      answers: ['198.51.100.77'],
    });
    const burst = r.findings.find((f) => f.ruleId === 'cloud.api.run-instances-burst');
    expect(burst?.evidence).toMatchObject({
      instancesInWindow: 10,
      unusualRegion: true,
      types: ['p3.16xlarge'],
    });
  });
});
