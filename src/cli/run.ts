import { Command, CommanderError } from 'commander';
import { MinewardenError } from '../model/errors.js';
import type { CommandEntry } from './commands/index.js';
import { VERSION } from './version.js';

/**
 * Only the command being run is loaded (none for --version); help and unknown commands load them all so the
 * listing and suggestions are complete.
 */
async function buildProgram(argv: readonly string[], commands: readonly CommandEntry[]): Promise<Command> {
  const program = new Command('minewarden')
    .description('Find and stop cryptojacking on Linux hosts, and close the doors attackers came in by.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)');
  const args = argv.slice(2);
  const wanted = commandName(argv);
  const chosen = commands.filter((c) => c.name === wanted);
  // `--version` alone needs no command: loading them all would cost a second of CPU for one line.
  const versionOnly = wanted === undefined && (args.includes('--version') || args.includes('-V'));
  if (!versionOnly) for (const entry of chosen.length ? chosen : commands) (await entry.load())(program);
  program.exitOverride();
  for (const c of program.commands) c.exitOverride();
  return program;
}

/**
 * The command a command line names: its first argument that is not an option (the program has no option with a
 * value). bin/minewarden picks the bundle to run by the same rule.
 */
function commandName(argv: readonly string[]): string | undefined {
  return argv.slice(2).find((a) => !a.startsWith('-'));
}

/**
 * Runs the CLI over `commands` (all of them from dist/cli/main.js; one per bundle in dist/cli-bundle/). Commands set
 * process.exitCode themselves (0/1 by --fail-on); errors are mapped here, once.
 */
export async function runCli(argv: readonly string[], commands: readonly CommandEntry[]): Promise<void> {
  // `minewarden scan | head` closes stdout early: that is the reader's choice, not an error worth a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  try {
    await (await buildProgram(argv, commands)).parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version come through here with exit code 0; real usage mistakes exit 2.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
    } else if (err instanceof MinewardenError) {
      process.stderr.write(`minewarden: ${err.code}: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
      process.stderr.write(`minewarden: MW_INTERNAL: ${msg}\n`);
      process.exitCode = 3;
    }
  }
}
