import { type Command, Option } from 'commander';
import { analyzeCloudLogs } from '../../detect/cloud/analyze.js';
import { loadMinerPorts } from '../../intel/miner-ports.js';
import {
  defaultIntelDir,
  loadBuiltinPoolIntel,
  loadInstalledPools,
  PoolIntel,
} from '../../intel/pools/index.js';
import { MinewardenError } from '../../model/errors.js';
import { renderFindingsReport } from '../../report/findings.js';
import { HostResolver, loadHostMap, skippedTotal } from '../../sources/cloud/index.js';
import { exitCodeFor } from '../exit.js';
import { type CommonOptions, withCommonOptions } from '../options.js';

interface CloudlogsCliOptions extends CommonOptions {
  vpcFlow: string[];
  vpcFlowFields?: string;
  resolver: string[];
  cloudtrail: string[];
  gcp: string[];
  azureNsg: string[];
  hosts?: string;
  usualRegion: string[];
  iamAdmin: string[];
  intelDir: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

async function run(o: CloudlogsCliOptions): Promise<void> {
  const given = o.vpcFlow.length + o.resolver.length + o.cloudtrail.length + o.gcp.length + o.azureNsg.length;
  if (given === 0)
    throw new MinewardenError(
      'MW_USAGE',
      'give at least one of --vpc-flow, --resolver, --cloudtrail, --gcp, --azure-nsg (a file or a directory)',
    );
  const fields = o.vpcFlowFields?.trim().split(/\s+/);
  const hosts = o.hosts ? await loadHostMap(o.hosts) : new HostResolver();
  const intel = PoolIntel.merge(loadBuiltinPoolIntel(), loadInstalledPools(o.intelDir).intel);
  const r = await analyzeCloudLogs(
    { vpcFlow: o.vpcFlow, resolver: o.resolver, cloudtrail: o.cloudtrail, gcp: o.gcp, azureNsg: o.azureNsg },
    {
      intel,
      minerPorts: loadMinerPorts(),
      hosts,
      instanceAddresses: (i) => hosts.addressesOf(i),
      runInstances: { usualRegions: o.usualRegion },
      iamAdmins: o.iamAdmin,
      ...(fields ? { read: { fields } } : {}),
    },
  );
  const sum = (f: (s: (typeof r.files)[number]) => number) => r.files.reduce((a, s) => a + f(s), 0);
  const summary = {
    files: r.files.length,
    records: sum((s) => s.records),
    events: r.events,
    skipped: sum(skippedTotal),
    noData: sum((s) => s.skipped.noData),
    hostsMapped: hosts.size,
    findings: r.findings.length,
    intel: { version: intel.version, date: intel.date },
  };
  const format = o.format === 'sarif' ? 'json' : o.format;
  process.stdout.write(
    renderFindingsReport(
      { findings: r.findings, warnings: r.warnings, summary, extra: { files: r.files } },
      format,
    ),
  );
  if (format === 'table')
    process.stdout.write(
      `\n${summary.files} file(s), ${summary.records} records, ${summary.events} events, ${summary.skipped} skipped.\n`,
    );
  process.exitCode = exitCodeFor(r.findings, o.failOn);
}

export function registerCloudlogs(program: Command): void {
  withCommonOptions(
    program
      .command('cloudlogs')
      .description(
        'find mining and the way in from cloud logs, without an agent: VPC flow logs, resolver query logs, CloudTrail, GCP and Azure flow logs',
      ),
  )
    .option(
      '--vpc-flow <path>',
      'AWS VPC Flow Logs: text (header line) or CloudWatch Logs JSON export',
      collect,
      [],
    )
    .option('--vpc-flow-fields <list>', 'field list of VPC flow records that come without a header line')
    .option(
      '--resolver <path>',
      'Route 53 Resolver query logs (JSON lines or CloudWatch export)',
      collect,
      [],
    )
    .option('--cloudtrail <path>', 'CloudTrail log files ({"Records": [...]})', collect, [])
    .option(
      '--gcp <path>',
      'Cloud Logging JSON export with VPC Flow Logs and Cloud DNS query logs',
      collect,
      [],
    )
    .option('--azure-nsg <path>', 'Azure NSG flow logs (version 1 or 2)', collect, [])
    .option('--hosts <file>', 'host map JSON: host ids with their instance ids, interface ids and addresses')
    .option(
      '--usual-region <region>',
      'a region the account works in (repeat); launches elsewhere stand out',
      collect,
      [],
    )
    .option(
      '--iam-admin <arn>',
      'a principal expected to create keys and policies for others (repeat)',
      collect,
      [],
    )
    .addOption(
      new Option('--intel-dir <dir>', 'installed pool lists (intel update)').default(defaultIntelDir()),
    )
    .action(async (opts: CloudlogsCliOptions) => run(opts));
}
