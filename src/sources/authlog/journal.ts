import type { TelemetryEvent } from '../../model/event.js';
import type { AuthLogParser } from './parser.js';

/** journald gives MESSAGE as a string, or as an array of bytes when it is not valid UTF-8. */
function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((b) => typeof b === 'number'))
    return Buffer.from(v as number[]).toString('utf8');
  return undefined;
}

/**
 * One `journalctl -o json` record. Only the fields we use are read and each is type-checked: the journal is
 * written by every process on the host, so its values are untrusted.
 */
export function parseJournalLine(parser: AuthLogParser, line: string): TelemetryEvent[] {
  let rec: unknown;
  try {
    rec = JSON.parse(line);
  } catch {
    parser.stats.lines++;
    parser.stats.skippedBinary++;
    return [];
  }
  if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) {
    parser.stats.lines++;
    return [];
  }
  const r = rec as Record<string, unknown>;
  const message = text(r.MESSAGE);
  if (message === undefined) {
    parser.stats.lines++;
    return [];
  }
  const usec = Number(text(r.__REALTIME_TIMESTAMP) ?? Number.NaN);
  const pid = Number(text(r._PID) ?? text(r.SYSLOG_PID) ?? Number.NaN);
  const program = text(r.SYSLOG_IDENTIFIER) ?? text(r._COMM);
  const hostname = text(r._HOSTNAME);
  return parser.parseMessage(
    {
      time: Number.isFinite(usec) ? Math.floor(usec / 1000) : undefined,
      hostname,
      program,
      pid: Number.isInteger(pid) ? pid : undefined,
      message,
    },
    message,
  );
}
