export { AUTH_REASONS, type AuthReason } from './classified.js';
export { parseJournalLine } from './journal.js';
export { LineSplitter, readLineBatches } from './lines.js';
export { AuthLogParser, type AuthParseOptions, type AuthParseStats } from './parser.js';
export { type AuthLogReadStats, type ReadAuthLogOptions, readAuthLogFile } from './read-file.js';
