import { existsSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { parseDuration } from '../../cost/duration.js';
import { fleetCost, renderFleetCostTable } from '../../cost/fleet-cost.js';
import { DEFAULT_STATE_FILE } from '../../cost/history.js';
import { DEFAULT_METADATA_URL } from '../../cost/metadata.js';
import { renderCostTable } from '../../cost/report.js';
import { runCost } from '../../cost/run.js';
import { MinewardenError } from '../../model/errors.js';
import { renderFindingsReport } from '../../report/findings.js';
import { openStore, parseStoreUrl } from '../../store/open.js';
import { exitCodeFor } from '../exit.js';
import { type CommonOptions, parseNonNegativeInt, parsePositiveInt, withCommonOptions } from '../options.js';
import { type PriceCliOptions, priceConfigFrom, withPriceOptions } from '../price-options.js';

interface CostCliOptions extends CommonOptions, PriceCliOptions {
  since: string;
  fleet?: string;
  state: string;
  record: boolean;
  root: string;
  interval: number;
  metadata: boolean;
  metadataUrl: string;
  metadataTimeout: number;
  top: number;
}

/** Reads what agents stored (the server's database) and prices the fleet's mining; this host is not read. */
async function fleetCostCommand(db: string, sinceMs: number, format: CommonOptions['format']): Promise<void> {
  const loc = parseStoreUrl(db, '--fleet');
  // Opening would create an empty database: a mistyped path must say so, not report a fleet with no cost.
  if (loc.kind === 'sqlite' && !existsSync(loc.path))
    throw new MinewardenError('MW_INPUT_NOT_FOUND', `no database at ${loc.path}`, {
      file: loc.path,
      field: '--fleet',
    });
  const store = await openStore(db);
  try {
    const now = Date.now();
    const [hosts, findings] = await Promise.all([
      store.fleet.listHosts(),
      store.fleet.listFindings({ limit: FLEET_MAX_FINDINGS }),
    ]);
    const c = fleetCost(findings, new Map(hosts.map((h) => [h.id, h.name])), now - sinceMs, now, now);
    if (format === 'table') process.stdout.write(renderFleetCostTable(c));
    else if (format === 'ndjson') {
      const lines = [
        ...c.fleet.map((m) => ({ type: 'fleet', window: c.window, ...m })),
        ...c.hosts.flatMap((h) => h.money.map((m) => ({ type: 'host', id: h.id, name: h.name, ...m }))),
      ];
      process.stdout.write(lines.map((x) => `${JSON.stringify(x)}\n`).join(''));
    } else process.stdout.write(`${JSON.stringify(c, null, 2)}\n`);
  } finally {
    await store.close();
  }
}

/** As many findings as the server's overview reads (most severe first, so miner findings come first). */
const FLEET_MAX_FINDINGS = 200_000;

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
    .addOption(
      new Option(
        '--fleet <db>',
        "the fleet's mining cost instead of this host's CPU: per host and in all, from the server's store (sqlite:PATH or postgres://...)",
      ),
    )
    .action(async (opts: CostCliOptions) => {
      const sinceMs = parseDuration(opts.since);
      if (opts.fleet !== undefined) {
        await fleetCostCommand(opts.fleet, sinceMs, opts.format);
        return;
      }
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
