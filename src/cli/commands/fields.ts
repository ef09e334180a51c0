import type { Command } from 'commander';
import { FIELDS } from '../../model/fields.js';
import { renderTable } from '../../report/table.js';
import { type CommonOptions, withCommonOptions } from '../options.js';

export function registerFields(program: Command): void {
  withCommonOptions(
    program.command('fields').description('print the event field table (names rules can use)'),
    ['table', 'json', 'ndjson'],
  ).action((opts: CommonOptions) => {
    if (opts.format === 'json') process.stdout.write(`${JSON.stringify(FIELDS, null, 2)}\n`);
    else if (opts.format === 'ndjson') for (const f of FIELDS) process.stdout.write(`${JSON.stringify(f)}\n`);
    else
      process.stdout.write(
        renderTable(
          ['field', 'type', 'sigma', 'kinds', 'description'],
          FIELDS.map((f) => [f.name, f.type, f.sigma.join(', '), f.kinds.join(','), f.description]),
        ),
      );
  });
}
