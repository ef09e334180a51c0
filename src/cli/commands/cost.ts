import { type Command, Option } from 'commander';
import { parseDuration } from '../../cost/duration.js';
import { DEFAULT_STATE_FILE } from '../../cost/history.js';
import { DEFAULT_METADATA_URL } from '../../cost/metadata.js';
import { type CostConfig, CostConfigSchema, loadCostConfig } from '../../cost/price-config.js';
import { renderCostTable } from '../../cost/report.js';
import { runCost } from '../../cost/run.js';
import { MinewardenError } from '../../model/errors.js';
import { renderFindingsReport } from '../../report/findings.js';
import { exitCodeFor } from '../exit.js';
import { type CommonOptions, parseNonNegativeInt, parsePositiveInt, withCommonOptions } from '../options.js';

interface CostCliOptions extends CommonOptions {
  since: string;
  state: string;
  record: boolean;
  root: string;
  interval: number;
  priceConfig?: string;
  pricePerVcpuHour?: string;
  currency?: string;
  instanceType?: string;
  metadata: boolean;
  metadataUrl: string;
  metadataTimeout: number;
  top: number;
}

const FLAG_OF: Readonly<Record<string, string>> = {
  perVcpuHour: '--price-per-vcpu-hour',
  currency: '--currency',
  instanceType: '--instance-type',
};

/** Flags override the config file; both go through the same schema so a bad flag fails like a bad file would. */
function effectiveConfig(opts: CostCliOptions): CostConfig | undefined {
  const file = opts.priceConfig ? loadCostConfig(opts.priceConfig) : undefined;
  const flags: Record<string, string> = {};
  if (opts.pricePerVcpuHour !== undefined) flags.perVcpuHour = opts.pricePerVcpuHour;
  if (opts.currency !== undefined) flags.currency = opts.currency;
  if (opts.instanceType !== undefined) flags.instanceType = opts.instanceType;
  if (!file && Object.keys(flags).length === 0) return undefined;
  const parsed = CostConfigSchema.safeParse({ ...file, ...flags });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = FLAG_OF[String(issue?.path[0] ?? '')] ?? '--price-config';
    throw new MinewardenError('MW_USAGE', `${flag}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export function registerCost(program: Command): void {
  withCommonOptions(
    program
      .command('cost')
      .description(
        'what CPU has cost on this host, per process, container and host, and spend far above baseline',
      ),
  )
    .addOption(new Option('--since <duration>', 'window to account: 30m, 24h, 7d').default('24h'))
    .addOption(
      new Option('--state <file>', 'usage history (NDJSON); each run adds a sample').default(
        DEFAULT_STATE_FILE,
      ),
    )
    .addOption(new Option('--no-record', 'do not add this run to the history'))
    .addOption(
      new Option('--root <dir>', 'host root to read (proc/ and sys/fs/cgroup under it)').default('/'),
    )
    .addOption(
      new Option('--interval <ms>', 'CPU sampling interval')
        .default(1000)
        .argParser(parseNonNegativeInt('--interval')),
    )
    .addOption(
      new Option('--price-config <file>', 'cost config (YAML or JSON): perVcpuHour, instanceType, prices'),
    )
    .addOption(new Option('--price-per-vcpu-hour <amount>', 'flat price of one vCPU-hour'))
    .addOption(new Option('--currency <code>', 'ISO 4217 code of --price-per-vcpu-hour'))
    .addOption(new Option('--instance-type <type>', 'this host instance type (e.g. m5.large, e2-standard-2)'))
    .addOption(new Option('--no-metadata', 'do not ask the cloud metadata service for the instance type'))
    .addOption(new Option('--metadata-url <url>', 'metadata service base URL').default(DEFAULT_METADATA_URL))
    .addOption(
      new Option('--metadata-timeout <ms>', 'per metadata request')
        .default(300)
        .argParser(parsePositiveInt('--metadata-timeout')),
    )
    .addOption(new Option('--top <n>', 'processes to list').default(10).argParser(parsePositiveInt('--top')))
    .action(async (opts: CostCliOptions) => {
      const sinceMs = parseDuration(opts.since);
      const config = effectiveConfig(opts);
      const r = await runCost({
        root: opts.root,
        sinceMs,
        stateFile: opts.state,
        record: opts.record,
        sampleMs: opts.interval,
        ...(config ? { config } : {}),
        ...(opts.priceConfig ? { configFile: opts.priceConfig } : {}),
        metadata: opts.metadata ? { baseUrl: opts.metadataUrl, timeoutMs: opts.metadataTimeout } : null,
        top: opts.top,
      });
      const { report } = r;
      if (opts.format === 'table') {
        process.stdout.write(renderCostTable(report, r.price, r.historySamples));
        process.stdout.write(
          `\nSpend deviations\n${renderFindingsReport({ findings: r.findings }, 'table')}`,
        );
      } else if (opts.format === 'ndjson') {
        const rows = [
          { type: 'price', ...r.price },
          { type: 'host', currency: report.currency, ...report.host },
          ...report.containers.map((c) => ({ type: 'container', currency: report.currency, ...c })),
          ...report.processes.map((p) => ({ type: 'process', currency: report.currency, ...p })),
        ];
        process.stdout.write(rows.map((x) => `${JSON.stringify(x)}\n`).join(''));
        process.stdout.write(renderFindingsReport({ findings: r.findings }, 'ndjson'));
      } else {
        process.stdout.write(
          renderFindingsReport(
            {
              findings: r.findings,
              warnings: r.warnings,
              summary: {
                historySamples: r.historySamples,
                currency: report.currency,
                hostCost: report.host.cost,
              },
              extra: {
                host: { id: report.host.id, name: report.host.name },
                window: report.window,
                price: r.price,
                instance: r.instance,
                cost: {
                  currency: report.currency,
                  host: report.host,
                  containers: report.containers,
                  processes: report.processes,
                },
              },
            },
            'json',
          ),
        );
      }
      process.exitCode = exitCodeFor(r.findings, opts.failOn);
    });
}
