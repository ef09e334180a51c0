import { z } from 'zod';
import type { CloudInputs } from './analyze.js';

const dirs = z.array(z.string().min(1)).max(32).default([]);

/**
 * (Only the schema here: the agent's config loads it, the cloud code is loaded by watch-open.ts when a directory is
 * given.) The cloud-log watch the agent and the server run beside their own work (`cloud:` in their YAML, `--cloud-*`
 * flags): the same directories and settings as `cloudlogs --watch`, under the same names with a `cloud` prefix.
 */
export const CloudFeedShape = {
  /** Directories a log shipper fills, one list per log family (as cloudlogs --vpc-flow, --resolver, ...). */
  vpcFlow: dirs,
  resolver: dirs,
  cloudtrail: dirs,
  gcp: dirs,
  azureNsg: dirs,
  /** Field list of VPC flow records that come without a header line (cloudlogs --vpc-flow-fields). */
  vpcFlowFields: z.string().min(1).optional(),
  /** Host map JSON (cloudlogs --hosts): joins instances, interfaces and addresses to agent host ids. */
  hosts: z.string().min(1).optional(),
  usualRegions: z.array(z.string().min(1)).max(64).default([]),
  iamAdmins: z.array(z.string().min(1)).max(256).default([]),
  /** Installed pool lists (intel update); default as for cloudlogs. */
  intelDir: z.string().min(1).optional(),
  /** Time between looks at the directories; a file is read once it held still between two looks. */
  intervalMs: z.number().int().min(200).max(3_600_000).default(10_000),
};

export const CloudFeedSchema = z.strictObject(CloudFeedShape);
export type CloudFeedConfig = z.infer<typeof CloudFeedSchema>;

export type DirKey = keyof CloudInputs;
export const DIR_KEYS: readonly DirKey[] = ['vpcFlow', 'resolver', 'cloudtrail', 'gcp', 'azureNsg'];

/** The command-line flag of each directory list; the YAML key is `cloud.<key>`. */
export const CLOUD_FEED_FLAGS: Readonly<Record<DirKey, string>> = {
  vpcFlow: '--cloud-vpc-flow',
  resolver: '--cloud-resolver',
  cloudtrail: '--cloud-cloudtrail',
  gcp: '--cloud-gcp',
  azureNsg: '--cloud-azure-nsg',
};

/** Every directory the watch is given; none means the watch is off. */
export function cloudFeedDirs(c: Readonly<CloudFeedConfig>): string[] {
  return DIR_KEYS.flatMap((k) => c[k]);
}
