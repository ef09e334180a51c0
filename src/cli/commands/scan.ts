import { type Command, Option } from 'commander';
import { resolvePrice } from '../../cost/resolve-price.js';
import { builtinDetectors } from '../../detect/detectors/index.js';
import type { MinerHashList } from '../../detect/detectors/miner-hash-list.js';
import { loadMinerPorts } from '../../intel/miner-ports.js';
import { MinewardenError } from '../../model/errors.js';
import { countBySeverity, renderFindingsReport } from '../../report/findings.js';
import { renderScanTable } from '../../report/scan-table.js';
import { scanHost } from '../../scan/scan.js';
import { readDpkgOwnership } from '../../sources/dpkg/owned-files.js';
import { exitCodeFor } from '../exit.js';
import { type CommonOptions, parseNonNegativeInt, parsePositiveInt, withCommonOptions } from '../options.js';
import { type PriceCliOptions, priceConfigFrom, withPriceOptions } from '../price-options.js';

interface ScanCliOptions extends CommonOptions, PriceCliOptions {
  root: string;
  interval: number;
  hash: boolean;
  files: boolean;
  logs: boolean;
  hashMax: number;
  top: number;
  verbose: boolean;
  hashPack?: string[];
}

/** The pack loader brings zod, which a scan without packs never loads. */
async function minerHashes(packs: readonly string[]): Promise<MinerHashList> {
  const { minerHashesWithPacks } = await import('../../detect/detectors/miner-hash-pack.js');
  return minerHashesWithPacks(packs);
}

export function registerScan(program: Command): void {
  withPriceOptions(
    withCommonOptions(
      program
        .command('scan')
        .description('scan this host now: processes, sockets, listeners; print findings'),
    ),
  )
    .addOption(new Option('--root <dir>', 'host root to read (proc/ and etc/ under it)').default('/'))
    .addOption(
      new Option('--interval <ms>', 'CPU sampling interval')
        .default(1000)
        .argParser(parseNonNegativeInt('--interval')),
    )
    .addOption(new Option('--no-hash', 'do not hash executables'))
    .addOption(
      new Option(
        '--no-files',
        'skip the sweep of cron, systemd, rc files, authorized_keys and writable dirs',
      ),
    )
    .addOption(new Option('--no-logs', 'skip the SSH analysis of /var/log/auth.log and /var/log/secure'))
    .addOption(
      new Option('--hash-max <mb>', 'skip executables larger than this')
        .default(64)
        .argParser(parsePositiveInt('--hash-max')),
    )
    .addOption(
      new Option('--top <n>', 'processes to list in the table')
        .default(10)
        .argParser(parsePositiveInt('--top')),
    )
    .addOption(
      new Option(
        '--hash-pack <file>',
        'more known-miner SHA-256s, in the format of the built-in list (repeatable)',
      ).argParser((v: string, prev: string[] = []) => [...prev, v]),
    )
    .option('-v, --verbose', 'also print how the scan collected its data', false)
    .action(async (opts: ScanCliOptions) => {
      const packs = opts.hashPack ?? [];
      if (packs.length > 0 && !opts.hash)
        throw new MinewardenError('MW_USAGE', 'hash packs need executable hashing: drop --no-hash', {
          field: '--hash-pack',
        });
      // Packs are read and checked before the scan spends its sampling time.
      const hashes = packs.length > 0 ? await minerHashes(packs) : null;
      const config = priceConfigFrom(opts);
      const result = await scanHost({
        root: opts.root,
        // Offline: flags or config, else the reference price; `cost` is the command that asks cloud metadata.
        price: resolvePrice({
          ...(config ? { config } : {}),
          ...(opts.priceConfig ? { configFile: opts.priceConfig } : {}),
        }),
        sampleMs: opts.interval,
        hash: opts.hash,
        files: opts.files,
        logs: opts.logs,
        hashMaxBytes: opts.hashMax * 1024 * 1024,
        ...(hashes
          ? {
              detectors: builtinDetectors({
                minerPorts: loadMinerPorts(),
                packages: readDpkgOwnership(opts.root),
                minerHashes: hashes,
              }),
            }
          : {}),
      });
      const s = result.snapshot;
      const collection = {
        root: opts.root,
        collectMs: Math.round(s.stats.collectMs),
        sampleMs: opts.interval,
        exeUnreadable: s.stats.exeUnreadable,
        hashSkipped: s.stats.hashSkipped,
        hashTooLarge: s.stats.hashTooLarge,
        warningsDropped: s.stats.warningsDropped,
        realtime: result.realtime ?? {
          mode: 'none',
          reason: opts.root === '/' ? 'sampling disabled (--interval 0)' : 'not for --root',
        },
      };
      if (opts.format === 'table') {
        process.stdout.write(renderScanTable(result, opts.top));
        if (opts.verbose) {
          const rt = collection.realtime;
          process.stdout.write(
            `\nReal-time exec events: ${rt.mode}${'reason' in rt && rt.reason ? ` (${rt.reason})` : ''}` +
              `${'events' in rt ? `, ${rt.events} events, ${rt.dropped} dropped` : ''}\n` +
              `Collection: ${JSON.stringify({ ...collection, realtime: undefined })}\n`,
          );
        }
      } else {
        const summary = {
          processes: s.processes.length,
          listeners: s.listeners.length,
          connections: s.sockets.filter((x) => x.remotePort !== 0).length,
          hostCpuPercent: s.hostCpuPercent,
          findings: result.findings.length,
          bySeverity: countBySeverity(result.findings),
          ...(opts.verbose ? { collection } : {}),
        };
        const report = {
          findings: result.findings,
          incidents: result.incidents,
          warnings: s.warnings,
          summary,
          extra: { host: s.host },
        };
        process.stdout.write(renderFindingsReport(report, opts.format === 'ndjson' ? 'ndjson' : 'json'));
      }
      process.exitCode = exitCodeFor(result.findings, opts.failOn);
    });
}
