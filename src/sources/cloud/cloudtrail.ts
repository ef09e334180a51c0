import { z } from 'zod';
import type { FieldValue } from '../../model/event.js';
import type { HostResolver } from './hosts.js';
import { HostResolver as DefaultResolver } from './hosts.js';
import type { ByteSourceOptions } from './input.js';
import { issueText, readJsonLogFile } from './json-file.js';
import { type CloudReadStats, noteProblem } from './stats.js';
import type { EventSink } from './vpc-flow.js';

/** The CloudTrail record fields we read (AWS "CloudTrail record contents"); everything else passes through unread. */
const RecordSchema = z.looseObject({
  eventVersion: z.string(),
  eventTime: z.iso.datetime({ offset: true }),
  eventSource: z.string().min(1),
  eventName: z.string().min(1),
  awsRegion: z.string().optional(),
  sourceIPAddress: z.string().optional(),
  userAgent: z.string().optional(),
  errorCode: z.string().optional(),
  recipientAccountId: z.string().optional(),
  vpcEndpointId: z.string().optional(),
  userIdentity: z
    .looseObject({
      type: z.string().optional(),
      arn: z.string().optional(),
      accountId: z.string().optional(),
      accessKeyId: z.string().optional(),
      userName: z.string().optional(),
      sessionContext: z.looseObject({ ec2RoleDelivery: z.string().optional() }).optional(),
    })
    .optional(),
  requestParameters: z.record(z.string(), z.unknown()).nullable().optional(),
  responseElements: z.record(z.string(), z.unknown()).nullable().optional(),
});
type Rec = z.infer<typeof RecordSchema>;
type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
}
function int(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : Number.NaN;
  return Number.isInteger(n) ? n : undefined;
}

/** The parts of request and response the detectors need, per call. */
function callFields(r: Rec): Record<string, FieldValue | undefined> {
  const q = r.requestParameters ?? {};
  const resp = r.responseElements ?? {};
  switch (r.eventName) {
    case 'RunInstances': {
      const items = arr(obj(q['instancesSet'])?.['items']).map(obj);
      const launched = arr(obj(resp['instancesSet'])?.['items']).length;
      const asked = items.reduce((a, i) => a + (int(i?.['maxCount']) ?? int(i?.['minCount']) ?? 1), 0);
      const images = items.flatMap((i) => (text(i?.['imageId']) ? [text(i?.['imageId']) as string] : []));
      return {
        'api.instanceType': text(q['instanceType']),
        'api.count': launched || asked || undefined,
        'api.images': images,
      };
    }
    case 'RegisterTaskDefinition': {
      const defs = arr(q['containerDefinitions']).map(obj);
      const containerCpu = defs.reduce((a, d) => a + (int(d?.['cpu']) ?? 0), 0);
      return {
        'api.cpu': int(q['cpu']) ?? (containerCpu || undefined),
        'api.images': defs.flatMap((d) => (text(d?.['image']) ? [text(d?.['image']) as string] : [])),
        'api.target': text(q['family']),
      };
    }
    case 'RunTask':
    case 'CreateService':
    case 'UpdateService':
      return {
        'api.target': text(q['taskDefinition']),
        'api.count': int(q['count']) ?? int(q['desiredCount']),
      };
    case 'CreateAccessKey':
    case 'CreateLoginProfile':
    case 'UpdateLoginProfile':
    case 'AttachUserPolicy':
    case 'PutUserPolicy':
      return {
        'api.target': [text(q['userName']), text(q['policyArn'] ?? q['policyName'])]
          .filter(Boolean)
          .join(' '),
      };
    case 'StopLogging':
    case 'DeleteTrail':
    case 'UpdateTrail':
      return { 'api.target': text(q['name']) };
    case 'DeleteDetector':
      return { 'api.target': text(q['detectorId']) };
    case 'GetServiceQuota':
    case 'ListServiceQuotas':
      return { 'api.target': [text(q['serviceCode']), text(q['quotaCode'])].filter(Boolean).join(' ') };
    default:
      return {};
  }
}

export interface CloudTrailOptions extends ByteSourceOptions {
  hosts?: HostResolver;
}

/** `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` -> SESSION. */
function sessionName(arn: string | undefined): string | undefined {
  if (!arn?.includes(':assumed-role/')) return undefined;
  const parts = arn.split('/');
  return parts.length >= 3 ? parts.slice(2).join('/') : undefined;
}

/** Reads CloudTrail log files (`{"Records": [...]}`, streamed record by record; plain or gzip) as cloud-api events. */
export function readCloudTrailFile(
  file: string,
  onEvent: EventSink,
  o: CloudTrailOptions = {},
): Promise<CloudReadStats> {
  const hosts = o.hosts ?? new DefaultResolver();
  return readJsonLogFile(
    file,
    'aws-cloudtrail',
    (value, line, stats) => {
      stats.records++;
      const version = (value as { eventVersion?: unknown } | null)?.eventVersion;
      if (typeof version === 'string' && !/^1\.\d+$/.test(version)) {
        stats.skipped.unknownVersion++;
        noteProblem(stats, line, `CloudTrail eventVersion ${version} is not read (1.x)`);
        return;
      }
      const r = RecordSchema.safeParse(value);
      if (!r.success) {
        stats.skipped.malformed++;
        noteProblem(stats, line, issueText(r.error));
        return;
      }
      const d = r.data;
      const u = d.userIdentity ?? {};
      const session = sessionName(u.arn);
      const account = d.recipientAccountId ?? u.accountId;
      // Instance-profile sessions are named after the instance: the call is about that host.
      const instanceId = session && /^i-[0-9a-f]{8,17}$/.test(session) ? session : undefined;
      stats.events++;
      onEvent({
        kind: 'cloud-api',
        time: Date.parse(d.eventTime),
        hostId: hosts.resolve({ instanceId, account }),
        source: 'aws-cloudtrail',
        fields: {
          'api.service': d.eventSource,
          'api.operation': d.eventName,
          'api.principal':
            u.arn ?? (u.type === 'Root' && account ? `arn:aws:iam::${account}:root` : u.userName),
          'api.principalType': u.type,
          'api.accessKeyId': u.accessKeyId,
          'api.sessionName': session,
          'api.roleDelivery': u.sessionContext?.ec2RoleDelivery,
          'api.userAgent': d.userAgent,
          'api.errorCode': d.errorCode,
          'api.vpcEndpoint': d.vpcEndpointId,
          'source.ip': d.sourceIPAddress,
          'cloud.provider': 'aws',
          'cloud.account': account,
          'cloud.region': d.awsRegion,
          'cloud.instanceId': instanceId,
          ...callFields(d),
        },
      });
    },
    o,
  );
}
