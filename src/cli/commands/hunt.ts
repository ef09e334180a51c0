import type { Command } from 'commander';
import {
  type CorrelationHit,
  convertHuntEvent,
  HuntEventSchema,
  HuntSession,
  loadRulePaths,
  type RuleMatch,
  readNdjson,
  severityOf,
} from '../../detect/sigma/index.js';
import { MinewardenError, WarningSink } from '../../model/errors.js';
import { renderTable } from '../../report/table.js';
import { exitCodeFor } from '../exit.js';
import { type CommonOptions, withCommonOptions } from '../options.js';
import { compileOptions } from './rules.js';

interface HuntOptions extends CommonOptions {
  rules: string[];
  events: string;
  placeholders?: string;
}

function ruleRef(r: {
  id: string | undefined;
  title: string;
  level: string | undefined;
}): Record<string, unknown> {
  return { id: r.id ?? null, title: r.title, level: r.level ?? null };
}

function matchRecord(m: RuleMatch, line: number, original: unknown): Record<string, unknown> {
  return { type: 'match', rule: ruleRef(m.rule), line, event: original };
}

function correlationRecord(h: CorrelationHit): Record<string, unknown> {
  return {
    type: 'correlation',
    rule: ruleRef(h.correlation),
    correlation: h.correlation.type,
    group: h.group,
    count: h.count,
    rules: h.rules,
    firstTime: new Date(h.firstTime).toISOString(),
    time: new Date(h.time).toISOString(),
  };
}

export function registerHunt(program: Command): void {
  withCommonOptions(
    program
      .command('hunt')
      .description('run Sigma rules (and correlation rules) over an NDJSON file of events')
      .requiredOption('--rules <paths...>', 'rule files or directories')
      .requiredOption(
        '--events <file>',
        'NDJSON: one event per line, Sigma field names plus "logsource" and "time"',
      )
      .option('--placeholders <file>', 'YAML map of %placeholder% values for the expand modifier'),
    ['table', 'json', 'ndjson'],
  ).action(async (opts: HuntOptions) => {
    const loaded = loadRulePaths(opts.rules, compileOptions(opts.placeholders));
    if (loaded.rules.length === 0) {
      const why = loaded.failed[0]?.message ?? loaded.unsupported[0]?.feature ?? 'no rule files found';
      throw new MinewardenError('MW_INPUT_PARSE', `no rule loaded: ${why}`, { file: opts.rules.join(' ') });
    }
    const warnings = new WarningSink();
    for (const f of loaded.failed)
      process.stderr.write(`minewarden: rule skipped: ${f.file}:${f.line}: ${f.code}: ${f.message}\n`);
    const session = new HuntSession(loaded.rules, loaded.correlations);
    const records: Record<string, unknown>[] = [];
    const severities: { severity: ReturnType<typeof severityOf> }[] = [];
    const emit = (rec: Record<string, unknown>, level: Parameters<typeof severityOf>[0]): void => {
      severities.push({ severity: severityOf(level) });
      if (opts.format === 'ndjson') process.stdout.write(`${JSON.stringify(rec)}\n`);
      else records.push(rec);
    };
    let events = 0;
    for await (const { line, value } of readNdjson(opts.events)) {
      const ev = HuntEventSchema.safeParse(value);
      if (!ev.success) {
        const issue = ev.error.issues[0]!;
        throw new MinewardenError('MW_INPUT_SCHEMA', issue.message, {
          file: opts.events,
          line,
          field: issue.path.join('.') || undefined,
        });
      }
      events++;
      const { input, unknownFields } = convertHuntEvent(ev.data, 0);
      for (const f of unknownFields)
        warnings.add(
          'MW_W_EVENT_UNKNOWN_FIELD',
          `field '${f}' is not in the field table; keyword search only`,
          f,
        );
      const out = session.step(input);
      for (const m of out.matches) emit(matchRecord(m, line, value), m.rule.level);
      for (const h of out.correlations) emit(correlationRecord(h), h.correlation.level);
    }
    for (const h of session.finish()) emit(correlationRecord(h), h.correlation.level);
    for (const e of session.evictions())
      warnings.add(
        'MW_W_SIGMA_CORRELATION_EVICTED',
        `correlation '${e.correlation.title}' dropped ${e.evicted} open groups or observations at its state caps; hits may be missed`,
        e.correlation.key,
      );
    const summary = {
      events,
      rules: loaded.rules.length,
      correlations: loaded.correlations.length,
      hits: severities.length,
    };
    if (opts.format === 'json')
      process.stdout.write(
        `${JSON.stringify({ matches: records, summary, warnings: warnings.items }, null, 2)}\n`,
      );
    else if (opts.format === 'table') {
      process.stdout.write(
        records.length === 0
          ? 'No matches.\n'
          : renderTable(
              ['type', 'level', 'rule', 'where'],
              records.map((r) => {
                const rule = r['rule'] as { title: string; level: string | null };
                const where =
                  r['type'] === 'match' ? `line ${String(r['line'])}` : JSON.stringify(r['group']);
                return [String(r['type']), rule.level ?? '', rule.title, where];
              }),
            ),
      );
      for (const w of warnings.items) process.stdout.write(`warning ${w.code}: ${w.message}\n`);
    } else
      for (const w of warnings.items) process.stderr.write(`minewarden: warning ${w.code}: ${w.message}\n`);
    process.exitCode = exitCodeFor(severities, opts.failOn);
  });
}
