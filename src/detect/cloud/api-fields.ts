import type { TelemetryEvent } from '../../model/event.js';
import type { Entity } from '../../model/finding.js';
import { num, str, strs } from '../detectors/fields.js';

/** The call as CloudTrail gave it, for a finding's evidence. */
export function apiEvidence(e: TelemetryEvent): Record<string, unknown> {
  return {
    time: new Date(e.time).toISOString(),
    service: str(e, 'api.service') ?? null,
    operation: str(e, 'api.operation') ?? null,
    principal: str(e, 'api.principal') ?? null,
    principalType: str(e, 'api.principalType') ?? null,
    accessKeyId: str(e, 'api.accessKeyId') ?? null,
    sourceIp: str(e, 'source.ip') ?? null,
    userAgent: str(e, 'api.userAgent') ?? null,
    region: str(e, 'cloud.region') ?? null,
    account: str(e, 'cloud.account') ?? null,
    errorCode: str(e, 'api.errorCode') ?? null,
    target: str(e, 'api.target') ?? null,
    instanceType: str(e, 'api.instanceType') ?? null,
    count: num(e, 'api.count') ?? null,
    images: [...strs(e, 'api.images')],
    cpu: num(e, 'api.cpu') ?? null,
  };
}

/** The principal as a finding entity: the account kind, named by its ARN. */
export function principalEntity(e: TelemetryEvent): Entity {
  return { kind: 'account', name: str(e, 'api.principal') ?? str(e, 'api.accessKeyId') ?? 'unknown' };
}

export function succeeded(e: TelemetryEvent): boolean {
  return str(e, 'api.errorCode') === undefined;
}

export function op(e: TelemetryEvent): string {
  return str(e, 'api.operation') ?? '';
}
