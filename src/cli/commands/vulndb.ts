import type { Command } from 'commander';
import { WarningSink } from '../../model/errors.js';
import { openAdvisoryIndex } from '../../posture/vulndb/db.js';
import { importIntoDb } from '../../posture/vulndb/import-db.js';
import { defaultDbDir, loadVulnDb } from '../../posture/vulndb/store.js';

export function registerVulndb(program: Command): void {
  const cmd = program
    .command('vulndb')
    .description('offline vulnerability database (OSV format, KEV catalog)');
  cmd
    .command('import <source>')
    .description(
      "import OSV advisories: a directory of <ID>.json, an ecosystem's all.zip, or a KEV catalog JSON",
    )
    .option('--db <dir>', 'database directory', defaultDbDir())
    .action((source: string, opts: { db: string }) => {
      const warnings = new WarningSink(50);
      const r = importIntoDb(opts.db, source, new Date(), warnings);
      process.stdout.write(
        `imported ${r.added} advisories from ${source} (${r.skipped} skipped); database now holds ${r.total} advisories and ${r.kev} KEV entries: ${r.file}\n`,
      );
      for (const w of warnings.items)
        process.stderr.write(`warning ${w.code}: ${w.message}${w.path ? ` (${w.path})` : ''}\n`);
      if (warnings.dropped) process.stderr.write(`(${warnings.dropped} more warnings)\n`);
    });
  cmd
    .command('status')
    .description('what the database holds')
    .option('--db <dir>', 'database directory', defaultDbDir())
    .action((opts: { db: string }) => {
      const db = loadVulnDb(opts.db);
      const { imported } = openAdvisoryIndex(opts.db);
      process.stdout.write(
        db
          ? `${opts.db}: ${imported} imported advisories, ${Object.keys(db.kev).length} KEV entries, imported ${db.importedAt}\nsources: ${db.sources.join(', ')}\n`
          : `${opts.db}: no imported database; the built-in advisory set is used\n`,
      );
    });
}
