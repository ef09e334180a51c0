import { COMMANDS } from './commands/index.js';
import { runCli } from './run.js';

await runCli(process.argv, COMMANDS);
