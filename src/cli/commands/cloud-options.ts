import { type Command, Option } from 'commander';
import { parsePositiveInt } from '../options.js';

/** The `--cloud-*` flags agent and server share: cloudlogs' names with a `cloud-` prefix, directories only. */
export interface CloudFlagOptions {
  cloudVpcFlow: string[];
  cloudResolver: string[];
  cloudCloudtrail: string[];
  cloudGcp: string[];
  cloudAzureNsg: string[];
  cloudHosts?: string;
  cloudInterval?: number;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function withCloudOptions(cmd: Command, who: 'agent' | 'server'): Command {
  const dir = (what: string) =>
    `${what}: a directory a log shipper fills, watched as by cloudlogs --watch (repeat)`;
  return cmd
    .option('--cloud-vpc-flow <dir>', dir('AWS VPC Flow Logs'), collect, [])
    .option('--cloud-resolver <dir>', dir('Route 53 Resolver query logs'), collect, [])
    .option('--cloud-cloudtrail <dir>', dir('CloudTrail log files'), collect, [])
    .option('--cloud-gcp <dir>', dir('GCP Cloud Logging exports'), collect, [])
    .option('--cloud-azure-nsg <dir>', dir('Azure NSG flow logs'), collect, [])
    .option('--cloud-hosts <file>', 'host map JSON for the cloud logs (as cloudlogs --hosts)')
    .addOption(
      new Option(
        '--cloud-interval <seconds>',
        `seconds between looks at the cloud directories (default 10; state in the ${who === 'agent' ? "agent's --state-dir" : "server's state directory"})`,
      ).argParser(parsePositiveInt('--cloud-interval')),
    );
}

/** The config keys the flags give (`cloud:` in the YAML); lists given on the command line replace the file's. */
export function cloudOverrides(o: CloudFlagOptions): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const lists = {
    vpcFlow: o.cloudVpcFlow,
    resolver: o.cloudResolver,
    cloudtrail: o.cloudCloudtrail,
    gcp: o.cloudGcp,
    azureNsg: o.cloudAzureNsg,
  };
  for (const [k, v] of Object.entries(lists)) if (v.length > 0) out[k] = v;
  if (o.cloudHosts) out.hosts = o.cloudHosts;
  if (o.cloudInterval !== undefined) out.intervalMs = o.cloudInterval * 1000;
  return Object.keys(out).length > 0 ? out : undefined;
}
