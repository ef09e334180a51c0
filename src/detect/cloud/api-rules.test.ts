import { describe, expect, it } from 'vitest';
import type { FieldValue, TelemetryEvent } from '../../model/event.js';
import { isPublicImage } from './api-ecs-task.js';
import { apiIamPersistence } from './api-iam-persistence.js';
import { apiInstanceCredentialsOutside } from './api-instance-credentials.js';
import { isLargeType } from './api-run-instances.js';

function call(op: string, fields: Record<string, FieldValue>, time = 0): TelemetryEvent {
  return { kind: 'cloud-api', time, hostId: 'h', source: 'test', fields: { 'api.operation': op, ...fields } };
}

describe('CloudTrail rule helpers', () => {
  it('knows GPU, accelerated and very large instance types', () => {
    for (const t of ['p3.16xlarge', 'g5.xlarge', 'inf2.xlarge', 'trn1.32xlarge', 'c5.18xlarge', 'm5.metal'])
      expect(isLargeType(t)).toBe(true);
    for (const t of ['t3.micro', 'm5.large', 'c6i.4xlarge', 'r5.2xlarge']) expect(isLargeType(t)).toBe(false);
  });

  it('tells public images from private registries', () => {
    for (const i of [
      'xmrig/xmrig',
      'ubuntu:22.04',
      'docker.io/library/alpine',
      'ghcr.io/x/y:1',
      'public.ecr.aws/a/b',
    ])
      expect(isPublicImage(i)).toBe(true);
    for (const i of [
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1',
      'registry.corp:5000/app',
      'localhost/app',
    ])
      expect(isPublicImage(i)).toBe(false);
  });
});

describe('IAM persistence', () => {
  const d = apiIamPersistence(['arn:aws:iam::1:role/idp-admin']);
  const alice = { 'api.principal': 'arn:aws:iam::1:user/Alice', 'api.principalType': 'IAMUser' };
  it('leaves own key rotation and listed admins alone', () => {
    expect(d.detect(call('CreateAccessKey', { ...alice, 'api.target': 'Alice' }))).toBeNull();
    expect(d.detect(call('CreateAccessKey', { ...alice }))).toBeNull();
    expect(
      d.detect(
        call('CreateAccessKey', { 'api.principal': 'arn:aws:iam::1:role/idp-admin', 'api.target': 'Bob' }),
      ),
    ).toBeNull();
  });
  it('flags keys for others, failed calls aside, and admin policies as high', () => {
    expect(d.detect(call('CreateAccessKey', { ...alice, 'api.target': 'Bob' }))).not.toBeNull();
    expect(
      d.detect(call('CreateAccessKey', { ...alice, 'api.target': 'Bob', 'api.errorCode': 'AccessDenied' })),
    ).toBeNull();
    const hit = d.detect(
      call('AttachUserPolicy', {
        ...alice,
        'api.target': 'Alice arn:aws:iam::aws:policy/AdministratorAccess',
      }),
    );
    expect(hit).toMatchObject({ severity: 'high', evidence: { reasons: ['grants AdministratorAccess'] } });
  });
});

describe('instance credentials used elsewhere', () => {
  const role = {
    'api.principalType': 'AssumedRole',
    'api.sessionName': 'i-0123456789abcdef0',
    'cloud.account': '1',
  };
  it('flags an address the host map does not give the instance', () => {
    const d = apiInstanceCredentialsOutside(() => ['54.240.197.10']);
    expect(d.detect(call('ListBuckets', { ...role, 'source.ip': '54.240.197.10' }))).toBeNull();
    expect(d.detect(call('ListBuckets', { ...role, 'source.ip': '198.51.100.23' }))).toMatchObject({
      entity: { kind: 'source-ip', ip: '198.51.100.23' },
    });
  });
  it('without a map, flags the second address, and at the end every address but the busiest', () => {
    const d = apiInstanceCredentialsOutside();
    for (let i = 0; i < 3; i++)
      expect(d.detect(call('ListBuckets', { ...role, 'source.ip': '54.240.197.10' }))).toBeNull();
    expect(d.detect(call('ListBuckets', { ...role, 'source.ip': '198.51.100.23' }))).not.toBeNull();
    // Through a VPC endpoint, or from a private address: the instance's own path.
    expect(
      d.detect(call('ListBuckets', { ...role, 'source.ip': '198.51.100.24', 'api.vpcEndpoint': 'vpce-1' })),
    ).toBeNull();
    expect(d.detect(call('ListBuckets', { ...role, 'source.ip': '10.0.0.5' }))).toBeNull();
    expect(d.flush?.().map((h) => h.entity.ip)).toEqual(['198.51.100.23']);
  });
});
