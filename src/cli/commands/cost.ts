import { type Command, Option } from 'commander';
import { parseDuration } from '../../cost/duration.js';
import { DEFAULT_STATE_FILE } from '../../cost/history.js';
import { DEFAULT_METADATA_URL } from '../../cost/metadata.js';
import { renderCostTable } from '../../cost/report.js';
import { runCost } from '../../cost/run.js';
import { renderFindingsReport } from '../../report/findings.js';
import { exitCodeFor } from '../exit.js';
import { type CommonOptions, parseNonNegativeInt, parsePositiveInt, withCommonOptions } from '../options.js';
import { type PriceCliOptions, priceConfigFrom, withPriceOptions } from '../price-options.js';

interface CostCliOptions extends CommonOptions, PriceCliOptions {
  since: string;
  state: string;
  record: boolean;
  root: string;
  interval: number;
  metadata: boolean;
  metadataUrl: string;
  metadataTimeout: number;
  top: number;
}

export function registerCost(program: Command): void {
  withPriceOptions(
    withCommonOptions(
      program
        .command('cost')
        .description(
          'what CPU has cost on this host, per process, container and host, and spend far above baseline',
        ),
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
      const config = priceConfigFrom(opts);
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
