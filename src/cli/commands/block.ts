import { writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { loadBuiltinPoolIntel, loadPoolList, PoolIntel } from '../../intel/pools/index.js';
import {
  blocklistFromIntel,
  EXPORT_FORMATS,
  type ExportFormat,
  renderBlocklist,
} from '../../respond/export/blocklist.js';

interface BlockExportOptions {
  format: ExportFormat;
  output?: string;
  list?: string[];
}

export function registerBlock(program: Command): void {
  const block = program.command('block').description('block lists for firewalls and DNS resolvers');
  // main.ts maps CommanderError to exit 2 for direct subcommands; a nested one has to opt in itself.
  block
    .command('export')
    .exitOverride()
    .description('export the pool list as an nft table, hosts file, dnsmasq, Unbound or BIND RPZ sinkhole')
    .addOption(new Option('--format <format>', 'output format').choices(EXPORT_FORMATS).makeOptionMandatory())
    .option('-o, --output <file>', 'write here instead of stdout')
    .addOption(
      new Option(
        '--list <file>',
        'merge another pool list (plain, hosts, Adblock or IP/CIDR; repeatable)',
      ).argParser((v: string, prev: string[] = []) => [...prev, v]),
    )
    .action(async (opts: BlockExportOptions) => {
      const extra: PoolIntel[] = [];
      for (const file of opts.list ?? []) extra.push(loadPoolList(file));
      const intel = PoolIntel.merge(loadBuiltinPoolIntel(), ...extra);
      const text = renderBlocklist(blocklistFromIntel(intel), opts.format);
      if (opts.output) writeFileSync(opts.output, text);
      else process.stdout.write(text);
      process.exitCode = 0;
    });
}
