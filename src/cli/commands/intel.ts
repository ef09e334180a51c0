import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { type Command, Option } from 'commander';
import {
  defaultIntelDir,
  fetchPoolList,
  installPoolList,
  loadBuiltinPoolIntel,
  loadInstalledPools,
  loadPoolList,
  PoolIntel,
  type PoolMatch,
} from '../../intel/pools/index.js';
import { MinewardenError } from '../../model/errors.js';
import { renderTable } from '../../report/table.js';
import { type CommonOptions, withCommonOptions } from '../options.js';

interface IntelOptions extends CommonOptions {
  dir: string;
}

function readLocal(file: string): string {
  try {
    if (statSync(file).size > 64 * 1024 * 1024)
      throw new MinewardenError('MW_INPUT_PARSE', 'over the 64 MiB limit', { file });
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof MinewardenError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new MinewardenError(
      code === 'ENOENT' ? 'MW_INPUT_NOT_FOUND' : 'MW_INPUT_UNREADABLE',
      String(code),
      { file },
    );
  }
}

/** Builtin pack, then installed packs, then any --list files given for this run. */
function allIntel(dir: string, lists: readonly string[]): PoolIntel {
  return PoolIntel.merge(
    loadBuiltinPoolIntel(),
    loadInstalledPools(dir).intel,
    ...lists.map((f) => loadPoolList(f)),
  );
}

function print(format: CommonOptions['format'], rows: Record<string, unknown>[], headers: string[]): void {
  if (format === 'json') process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else if (format === 'ndjson') for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
  else
    process.stdout.write(
      renderTable(
        headers,
        rows.map((r) => headers.map((h) => String(r[h] ?? ''))),
      ),
    );
}

export function registerIntel(program: Command): void {
  const intel = program
    .command('intel')
    .description('pool intel: look up domains and addresses, install lists');
  const dirOption = () => new Option('--dir <dir>', 'where installed packs live').default(defaultIntelDir());

  withCommonOptions(
    intel
      .command('lookup')
      .description(
        'is NAME (a domain, matched with its parents) or IP (exact or CIDR) a known pool? exit 1 if so',
      )
      .argument('<values...>', 'domains or IP addresses'),
  )
    .addOption(dirOption())
    .option('--list <file...>', 'also use these list files (plain, hosts, Adblock, IP/CIDR)', [])
    .action((values: string[], opts: IntelOptions & { list: string[] }) => {
      const all = allIntel(opts.dir, opts.list);
      const rows = values.map((v) => {
        const m: PoolMatch | null = all.lookup(v);
        return {
          query: v,
          match: m?.indicator ?? null,
          kind: m?.kind ?? null,
          list: m?.list ?? null,
          label: m?.label ?? null,
        };
      });
      print(opts.format, rows, ['query', 'match', 'kind', 'list', 'label']);
      process.exitCode = rows.some((r) => r.match !== null) ? 1 : 0;
    });

  withCommonOptions(
    intel
      .command('update')
      .description(
        'install (or replace) a pool list from a file or an http(s) URL, validated before it is used',
      )
      .requiredOption('--from <file|url>', 'list to install: plain, hosts, Adblock or IP/CIDR'),
  )
    .addOption(dirOption())
    .option('--name <name>', 'pack name (default: from the file or URL name)')
    .action(async (opts: IntelOptions & { from: string; name?: string }) => {
      const isUrl = /^https?:\/\//i.test(opts.from);
      const text = isUrl ? await fetchPoolList(opts.from) : readLocal(opts.from);
      const fromName = basename(isUrl ? new URL(opts.from).pathname : opts.from).replace(/\.[A-Za-z]+$/, '');
      const name = opts.name ?? (fromName.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64) || 'list');
      const { meta, load } = installPoolList(text, { name, source: opts.from, dir: opts.dir });
      const stats = load.intel.packs[0]?.stats;
      const row = { ...meta, ...stats, dir: opts.dir };
      if (opts.format === 'table') {
        process.stdout.write(
          `installed ${meta.list}: ${meta.entries} entries (${stats?.domains ?? 0} domains, ${stats?.ips ?? 0} IPs, ${stats?.cidrs ?? 0} CIDRs), format ${meta.format}, version ${meta.version}, date ${meta.date}\n`,
        );
        if (load.skipped > 0) {
          process.stdout.write(`warning MW_W_INTEL_SKIPPED: ${load.skipped} line(s) skipped, e.g.\n`);
          for (const s of load.skippedSamples.slice(0, 5))
            process.stdout.write(`  line ${s.line}: ${s.text}\n`);
        }
      } else print(opts.format, [{ ...row, skippedSamples: load.skippedSamples }], []);
      process.exitCode = 0;
    });

  withCommonOptions(intel.command('list').description('show the packs in use, with version, date and size'))
    .addOption(dirOption())
    .action((opts: IntelOptions) => {
      const builtin = loadBuiltinPoolIntel().packs.map((p) => ({
        list: p.list,
        version: p.version,
        date: p.date,
        source: p.source,
        ...p.stats,
      }));
      const installed = loadInstalledPools(opts.dir).intel.packs.map((p) => ({
        list: p.list,
        version: p.version,
        date: p.date,
        source: p.source,
        ...p.stats,
      }));
      print(
        opts.format,
        [...builtin, ...installed],
        ['list', 'version', 'date', 'domains', 'ips', 'cidrs', 'source'],
      );
    });
}
