import { type AzureNsgOptions, readAzureNsgFile } from './azure-nsg.js';
import { type CloudTrailOptions, readCloudTrailFile } from './cloudtrail.js';
import { type GcpOptions, readGcpLoggingFile } from './gcp-logging.js';
import { listInputFiles } from './input.js';
import { type ResolverOptions, readResolverFile } from './route53-resolver.js';
import type { CloudReadStats } from './stats.js';
import type { EventSink } from './vpc-flow.js';
import { readVpcFlowFile, type VpcFlowOptions } from './vpc-flow-file.js';

export { readAzureNsgFile } from './azure-nsg.js';
export { readCloudTrailFile } from './cloudtrail.js';
export {
  ACTION_ACCEPT,
  ACTION_NONE,
  ACTION_REJECT,
  addressKey,
  type FlowRecord,
  isPublicIp,
  recordOfEvent,
} from './flow-record.js';
export { readGcpLoggingFile } from './gcp-logging.js';
export { type HostHint, type HostMapInput, HostMapSchema, HostResolver, loadHostMap } from './hosts.js';
export { type ByteSourceOptions, listInputFiles, openInput } from './input.js';
export { JsonRecordSplitter } from './json-split.js';
export { LineSplitter } from './lines.js';
export { readResolverFile } from './route53-resolver.js';
export { type CloudReadStats, skippedTotal } from './stats.js';
export { type EventSink, type FlowSink, VpcFlowLineParser } from './vpc-flow.js';
export { DEFAULT_FIELDS as VPC_FLOW_DEFAULT_FIELDS } from './vpc-flow-fields.js';
export { readVpcFlowFile, type VpcFlowOptions } from './vpc-flow-file.js';

/** The log families `cloudlogs` reads, one option each. */
export const CLOUD_SOURCES = ['vpc-flow', 'resolver', 'cloudtrail', 'gcp', 'azure-nsg'] as const;
export type CloudSource = (typeof CLOUD_SOURCES)[number];

export type CloudReadOptions = VpcFlowOptions &
  ResolverOptions &
  CloudTrailOptions &
  GcpOptions &
  AzureNsgOptions;

const READERS: Readonly<
  Record<CloudSource, (file: string, onEvent: EventSink, o: CloudReadOptions) => Promise<CloudReadStats>>
> = {
  'vpc-flow': readVpcFlowFile,
  resolver: readResolverFile,
  cloudtrail: readCloudTrailFile,
  gcp: readGcpLoggingFile,
  'azure-nsg': readAzureNsgFile,
};

/** Reads every file under `path` (a file, or a directory as exported or filled by a log shipper) of one log family. */
export async function readCloudSource(
  source: CloudSource,
  path: string,
  onEvent: EventSink,
  o: CloudReadOptions = {},
): Promise<CloudReadStats[]> {
  const out: CloudReadStats[] = [];
  for (const file of await listInputFiles(path)) out.push(await READERS[source](file, onEvent, o));
  return out;
}
