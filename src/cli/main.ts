import { Command, CommanderError } from 'commander';
import { MinewardenError } from '../model/errors.js';
import { COMMANDS } from './commands/index.js';
import { VERSION } from './version.js';

/**
 * Commands set process.exitCode themselves (0/1 by --fail-on); errors are mapped here, once. Only the command being
 * run is loaded (none for --version); help and unknown commands load them all so the listing and suggestions are complete.
 */
async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('minewarden')
    .description('Find and stop cryptojacking on Linux hosts, and close the doors attackers came in by.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)');
  const args = argv.slice(2);
  const wanted = args.find((a) => !a.startsWith('-'));
  const chosen = COMMANDS.filter((c) => c.name === wanted);
  // `--version` alone needs no command: loading them all would cost a second of CPU for one line.
  const versionOnly = wanted === undefined && (args.includes('--version') || args.includes('-V'));
  if (!versionOnly) for (const entry of chosen.length ? chosen : COMMANDS) (await entry.load())(program);
  program.exitOverride();
  for (const c of program.commands) c.exitOverride();
  return program;
}

// `minewarden scan | head` closes stdout early: that is the reader's choice, not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

try {
  await (await buildProgram(process.argv)).parseAsync(process.argv);
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
