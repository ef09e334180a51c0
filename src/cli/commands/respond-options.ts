import { type Command, Option } from 'commander';
import { defaultStateDir } from '../../respond/session.js';

export interface ResponseStoreOptions {
  stateDir: string;
  db?: string;
}

/** Where the journal, quarantine and backups live; shared by respond, undo and block. */
export function withResponseStore(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--state-dir <dir>', 'journal, quarantine and backups (root-only)').default(
        defaultStateDir(),
      ),
    )
    .addOption(
      new Option('--db <url>', 'journal store: sqlite:PATH or postgres://… (default: sqlite in --state-dir)'),
    );
}
