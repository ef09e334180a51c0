import { type Command, Option } from 'commander';
import { analyzeCloudLogs, type CloudAnalyzeOptions, type CloudInputs } from '../../detect/cloud/analyze.js';
import { CloudLogWatcher, type CloudWatchBatch } from '../../detect/cloud/watch.js';
import { loadMinerPorts } from '../../intel/miner-ports.js';
import {
  defaultIntelDir,
  loadBuiltinPoolIntel,
  loadInstalledPools,
  PoolIntel,
} from '../../intel/pools/index.js';
import { MinewardenError } from '../../model/errors.js';
import type { Finding } from '../../model/finding.js';
import { renderFindingsReport } from '../../report/findings.js';
import { defaultFeedStatePath } from '../../sources/cloud/dir-feed.js';
import { HostResolver, loadHostMap, skippedTotal } from '../../sources/cloud/index.js';
import { exitCodeFor } from '../exit.js';
import { type CommonOptions, parsePositiveInt, withCommonOptions } from '../options.js';

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
  watch: boolean;
  once: boolean;
  state?: string;
  interval: number;
}

const collect = (v: string, prev: string[]) => [...prev, v];

async function run(o: CloudlogsCliOptions): Promise<void> {
  const given = o.vpcFlow.length + o.resolver.length + o.cloudtrail.length + o.gcp.length + o.azureNsg.length;
  if (given === 0)
    throw new MinewardenError(
      'MW_USAGE',
      'give at least one of --vpc-flow, --resolver, --cloudtrail, --gcp, --azure-nsg (a file or a directory)',
    );
  if ((o.once || o.state) && !o.watch)
    throw new MinewardenError('MW_USAGE', '--once and --state go with --watch');
  const fields = o.vpcFlowFields?.trim().split(/\s+/);
  const hosts = o.hosts ? await loadHostMap(o.hosts) : new HostResolver();
  const intel = PoolIntel.merge(loadBuiltinPoolIntel(), loadInstalledPools(o.intelDir).intel);
  const inputs = {
    vpcFlow: o.vpcFlow,
    resolver: o.resolver,
    cloudtrail: o.cloudtrail,
    gcp: o.gcp,
    azureNsg: o.azureNsg,
  };
  const analyze = {
    intel,
    minerPorts: loadMinerPorts(),
    hosts,
    instanceAddresses: (i: string) => hosts.addressesOf(i),
    runInstances: { usualRegions: o.usualRegion },
    iamAdmins: o.iamAdmin,
    ...(fields ? { read: { fields } } : {}),
  };
  if (o.watch) return watch(o, inputs, analyze);
  const r = await analyzeCloudLogs(inputs, analyze);
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

/**
 * --watch: the paths are directories a log shipper fills; each poll reads the files completed since the last one
 * and prints the findings not reported before (state in --state, so a restart repeats nothing).
 */
async function watch(
  o: CloudlogsCliOptions,
  inputs: CloudInputs,
  analyze: CloudAnalyzeOptions,
): Promise<void> {
  const roots = [...o.vpcFlow, ...o.resolver, ...o.cloudtrail, ...o.gcp, ...o.azureNsg];
  const statePath = o.state ?? defaultFeedStatePath(roots);
  const watcher = await CloudLogWatcher.open(inputs, { ...analyze, statePath });
  const format = o.format === 'sarif' ? 'json' : o.format;
  const all: Finding[] = [];
  const onBatch = (b: CloudWatchBatch): void => {
    all.push(...b.findings);
    for (const w of b.warnings) process.stderr.write(`minewarden: ${w.path}: ${w.message}\n`);
    if (b.files.length === 0 && b.findings.length === 0) return;
    if (format === 'table')
      process.stdout.write(
        `${new Date().toISOString()}: ${b.files.length} file(s), ${b.files.reduce((a, s) => a + s.records, 0)} records, ${b.findings.length} new finding(s)\n`,
      );
    if (b.findings.length || format === 'json') {
      const summary = { files: b.files.length, findings: b.findings.length };
      process.stdout.write(
        renderFindingsReport(
          { findings: b.findings, warnings: b.warnings, summary, extra: { files: b.files } },
          format,
        ),
      );
    }
  };
  if (o.once) {
    // Two looks, --interval apart: a file is read once its size and mtime held still between them.
    await watcher.poll(onBatch);
    await new Promise((r) => setTimeout(r, o.interval * 1000));
    await watcher.poll(onBatch);
  } else {
    process.stderr.write(
      `minewarden: watching ${roots.join(', ')} every ${o.interval} s (state ${statePath}, ${watcher.filesDone} file(s) read before)\n`,
    );
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    process.once('SIGTERM', () => stop.abort());
    await watcher.run(onBatch, o.interval * 1000, stop.signal);
  }
  process.exitCode = exitCodeFor(all, o.failOn);
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
    .option(
      '--watch',
      'the paths are directories a log shipper fills: keep reading files as they complete, each once, and print new findings',
      false,
    )
    .option('--once', 'with --watch: read what is complete now (two looks --interval apart) and exit', false)
    .option(
      '--state <file>',
      'with --watch: where the files read and findings reported are kept (default under /var/lib/minewarden or the XDG state directory)',
    )
    .addOption(
      new Option('--interval <seconds>', 'with --watch: seconds between looks at the directories')
        .default(10)
        .argParser(parsePositiveInt('--interval')),
    )
    .action(async (opts: CloudlogsCliOptions) => run(opts));
}
