export { AUTH_REASONS, type AuthReason } from './classified.js';
export { type FollowOptions, type FollowStats, LogFollower } from './follow.js';
export { parseJournalLine } from './journal.js';
export { followJournal, type JournalFollowOptions } from './journal-follow.js';
export { LineSplitter, readLineBatches } from './lines.js';
export { AuthLogParser, type AuthParseOptions, type AuthParseStats } from './parser.js';
export {
  type AuthLogReadStats,
  type ReadAuthLogOptions,
  readAuthLogBatches,
  readAuthLogFile,
} from './read-file.js';
export type { AuthRecord, AuthRecordSink } from './record.js';
