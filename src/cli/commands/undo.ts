import type { Command } from 'commander';
import { MinewardenError } from '../../model/errors.js';
import type { JournalEntry } from '../../respond/journal/journal.js';
import { loadPolicy } from '../../respond/policy.js';
import { renderUndo } from '../../respond/render.js';
import { undoEntries } from '../../respond/runner.js';
import { openSession } from '../../respond/session.js';
import { type CommonOptions, withCommonOptions } from '../options.js';
import { type ResponseStoreOptions, withResponseStore } from './respond-options.js';

interface UndoCliOptions extends CommonOptions, ResponseStoreOptions {
  incident?: string;
  run?: string;
}

export function registerUndo(program: Command): void {
  withResponseStore(
    withCommonOptions(
      program
        .command('undo')
        .description('undo a journaled action, or every undoable action of an incident or run (newest first)')
        .argument('[actionId]', 'the action to undo (see `respond --list`)'),
    ),
  )
    .option('--incident <id>', 'undo every applied action of this incident')
    .option('--run <id>', 'undo every applied action of this respond run')
    .action(async (actionId: string | undefined, opts: UndoCliOptions) => {
      if ([actionId, opts.incident, opts.run].filter(Boolean).length !== 1)
        throw new MinewardenError('MW_USAGE', 'give exactly one of ACTION_ID, --incident, --run', {
          field: 'actionId',
        });
      // Undo needs no policy rules, but the allowlist and limits still frame the safety layer.
      const session = await openSession({
        stateDir: opts.stateDir,
        ...(opts.db ? { db: opts.db } : {}),
        root: '/',
        policy: loadPolicy(),
      });
      try {
        let entries: JournalEntry[];
        if (actionId) {
          const e = await session.journal.get(actionId);
          if (!e)
            throw new MinewardenError('MW_INPUT_NOT_FOUND', `no action ${actionId} in the journal`, {
              field: 'actionId',
            });
          entries = [e];
        } else {
          entries = await session.journal.list(
            opts.incident ? { incidentId: opts.incident } : { runId: opts.run! },
          );
        }
        const outcomes = await undoEntries(entries, session.journal, session.ctx);
        if (actionId && outcomes.length === 0)
          outcomes.push({
            entry: entries[0]!,
            ok: false,
            detail: `${actionId} is ${entries[0]!.status}; nothing to undo`,
          });
        if (opts.format === 'table') process.stdout.write(renderUndo(outcomes));
        else
          process.stdout.write(
            `${JSON.stringify({ outcomes: outcomes.map((o) => ({ id: o.entry.id, kind: o.entry.kind, ok: o.ok, detail: o.detail })) }, null, 2)}\n`,
          );
        const reversibleFailed = outcomes.some((o) => !o.ok && o.entry.reversible);
        process.exitCode = reversibleFailed ? 1 : 0;
      } finally {
        await session.close();
      }
    });
}
