import { z } from 'zod';
import type { HostResolver } from './hosts.js';
import { HostResolver as DefaultResolver } from './hosts.js';
import type { ByteSourceOptions } from './input.js';
import { issueText, readJsonLogFile } from './json-file.js';
import { type CloudReadStats, noteProblem } from './stats.js';
import type { EventSink } from './vpc-flow.js';

/** Route 53 Resolver query log record (AWS "Values that appear in resolver query logs"); extra keys are allowed. */
const ResolverRecordSchema = z.looseObject({
  version: z.string(),
  account_id: z.string().optional(),
  region: z.string().optional(),
  vpc_id: z.string().optional(),
  query_timestamp: z.iso.datetime({ offset: true }),
  query_name: z.string().min(1).max(1025),
  query_type: z.string().optional(),
  rcode: z.string().optional(),
  answers: z.array(z.looseObject({ Rdata: z.string().optional(), Type: z.string().optional() })).optional(),
  srcaddr: z.string().optional(),
  srcport: z.union([z.string(), z.number()]).optional(),
  transport: z.string().optional(),
  srcids: z.looseObject({ instance: z.string().optional(), resource_id: z.string().optional() }).optional(),
});

export interface ResolverOptions extends ByteSourceOptions {
  hosts?: HostResolver;
}

/** Reads Route 53 Resolver query logs (JSON lines as delivered to S3, or a CloudWatch Logs export) as dns events. */
export function readResolverFile(
  file: string,
  onEvent: EventSink,
  o: ResolverOptions = {},
): Promise<CloudReadStats> {
  const hosts = o.hosts ?? new DefaultResolver();
  return readJsonLogFile(
    file,
    'aws-route53-resolver',
    (value, line, stats) => {
      stats.records++;
      const version = (value as { version?: unknown } | null)?.version;
      if (typeof version === 'string' && !/^1(\.\d+)?$/.test(version)) {
        stats.skipped.unknownVersion++;
        noteProblem(stats, line, `resolver log version ${version} is not read (1.x)`);
        return;
      }
      const r = ResolverRecordSchema.safeParse(value);
      if (!r.success) {
        stats.skipped.malformed++;
        noteProblem(stats, line, issueText(r.error));
        return;
      }
      const d = r.data;
      const instanceId = d.srcids?.instance;
      const port = d.srcport === undefined ? undefined : Number(d.srcport);
      const name = d.query_name.endsWith('.') ? d.query_name.slice(0, -1) : d.query_name;
      stats.events++;
      onEvent({
        kind: 'dns',
        time: Date.parse(d.query_timestamp),
        hostId: hosts.resolve({ instanceId, ip: d.srcaddr, account: d.account_id }),
        source: 'aws-route53-resolver',
        fields: {
          'dns.query': name.toLowerCase(),
          'dns.type': d.query_type,
          'dns.answers': (d.answers ?? []).flatMap((a) => (a.Rdata ? [a.Rdata] : [])),
          'source.ip': d.srcaddr,
          'source.port': Number.isInteger(port) ? port : undefined,
          'cloud.provider': 'aws',
          'cloud.account': d.account_id,
          'cloud.region': d.region,
          'cloud.vpcId': d.vpc_id,
          'cloud.instanceId': instanceId,
        },
      });
    },
    o,
  );
}
