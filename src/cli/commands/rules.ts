import type { Command } from 'commander';
import {
  type CompileOptions,
  convertHuntEvent,
  HuntEventSchema,
  HuntSession,
  type LoadResult,
  loadRulePaths,
  readPlaceholderFile,
  severityOf,
} from '../../detect/sigma/index.js';
import { MinewardenError } from '../../model/errors.js';
import { renderTable } from '../../report/table.js';
import { exitCodeFor } from '../exit.js';
import { type CommonOptions, withCommonOptions } from '../options.js';

function lintReport(r: LoadResult): {
  loaded: number;
  failed: LoadResult['failed'];
  unsupported: LoadResult['unsupported'];
} {
  return { loaded: r.rules.length + r.correlations.length, failed: r.failed, unsupported: r.unsupported };
}

function lintTable(r: LoadResult): string {
  const report = lintReport(r);
  const total = report.loaded + report.failed.length + report.unsupported.length;
  const pct = total === 0 ? 100 : (100 * report.loaded) / total;
  let out = `loaded ${report.loaded} of ${total} rules (${pct.toFixed(1)}%)\n`;
  if (report.failed.length)
    out += `\nfailed:\n${renderTable(
      ['file', 'line', 'code', 'message'],
      report.failed.map((f) => [f.file, String(f.line), f.code, f.message]),
    )}`;
  if (report.unsupported.length)
    out += `\nunsupported:\n${renderTable(
      ['file', 'feature'],
      report.unsupported.map((u) => [u.file, u.feature]),
    )}`;
  return out;
}

function parseEventArg(text: string): ReturnType<typeof convertHuntEvent> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new MinewardenError('MW_INPUT_PARSE', `--event is not JSON: ${(err as Error).message}`, {
      field: '--event',
    });
  }
  const ev = HuntEventSchema.safeParse(raw);
  if (!ev.success) {
    const issue = ev.error.issues[0]!;
    throw new MinewardenError('MW_INPUT_SCHEMA', issue.message, { field: `--event ${issue.path.join('.')}` });
  }
  return convertHuntEvent(ev.data, 0);
}

/** Compile options from the command line: the placeholder file, when given. */
export function compileOptions(placeholders: string | undefined): CompileOptions {
  return placeholders === undefined ? {} : { placeholders: readPlaceholderFile(placeholders) };
}

export function registerRules(program: Command): void {
  const rules = program.command('rules').description('check and try Sigma rules');
  withCommonOptions(
    rules
      .command('lint')
      .description('load Sigma rules and report every rule that fails or uses an unsupported feature')
      .argument('<paths...>', 'rule files or directories (searched for *.yml, *.yaml)')
      .option('--placeholders <file>', 'YAML map of %placeholder% values for the expand modifier'),
    ['table', 'json'],
  ).action((paths: string[], opts: CommonOptions & { placeholders?: string }) => {
    const r = loadRulePaths(paths, compileOptions(opts.placeholders));
    if (opts.format === 'json') process.stdout.write(`${JSON.stringify(lintReport(r), null, 2)}\n`);
    else process.stdout.write(lintTable(r));
    // Broken rules fail the lint; rules that only use unsupported features are listed but do not.
    process.exitCode = r.failed.length > 0 ? 1 : 0;
  });
  withCommonOptions(
    rules
      .command('test')
      .description('run Sigma rules against one event given as JSON (Sigma field names plus "logsource")')
      .argument('<rule>', 'rule file or directory')
      .requiredOption(
        '--event <json>',
        'the event, e.g. {"logsource":{"category":"process_creation"},"Image":"/tmp/x"}',
      )
      .option('--placeholders <file>', 'YAML map of %placeholder% values for the expand modifier'),
    ['table', 'json'],
  ).action((rulePath: string, opts: CommonOptions & { event: string; placeholders?: string }) => {
    const loaded = loadRulePaths([rulePath], compileOptions(opts.placeholders));
    const first = loaded.failed[0];
    if (first)
      throw new MinewardenError('MW_INPUT_PARSE', `${first.code}: ${first.message}`, {
        file: first.file,
        line: first.line,
      });
    if (loaded.rules.length === 0 && loaded.unsupported[0])
      throw new MinewardenError('MW_SIGMA_UNSUPPORTED', loaded.unsupported[0].feature, {
        file: loaded.unsupported[0].file,
      });
    const { input, unknownFields } = parseEventArg(opts.event);
    const session = new HuntSession(loaded.rules, []);
    const matches = session.step(input).matches;
    const rows = matches.map((m) => ({
      id: m.rule.id ?? null,
      title: m.rule.title,
      level: m.rule.level ?? null,
    }));
    if (opts.format === 'json')
      process.stdout.write(
        `${JSON.stringify({ matched: rows.length > 0, matches: rows, unknownFields }, null, 2)}\n`,
      );
    else {
      process.stdout.write(
        rows.length
          ? renderTable(
              ['level', 'id', 'title'],
              rows.map((r) => [r.level ?? '', r.id ?? '', r.title]),
            )
          : 'No match.\n',
      );
      for (const f of unknownFields)
        process.stdout.write(`warning MW_W_EVENT_UNKNOWN_FIELD: field '${f}' is not in the field table\n`);
    }
    process.exitCode = exitCodeFor(
      matches.map((m) => ({ severity: severityOf(m.rule.level) })),
      opts.failOn,
    );
  });
}
