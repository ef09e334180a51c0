import { stat } from 'node:fs/promises';
import { MinewardenError } from '../../model/errors.js';
import type { TelemetryEvent } from '../../model/event.js';
import { parseJournalLine } from './journal.js';
import { DEFAULT_MAX_LINE, type LineStats, readLineBatches } from './lines.js';
import { AuthLogParser, type AuthParseStats } from './parser.js';

export interface ReadAuthLogOptions {
  hostId?: string;
  /** Default 64 KiB: longer lines are skipped and counted. */
  maxLineLength?: number;
  /** 'auto' tells journal JSON (`journalctl -o json`) from syslog text by the first character of each line. */
  format?: 'auto' | 'syslog' | 'journal';
  /**
   * Sees each syslog line first: an event (or null, to drop it) means the line was another source's (a DNS
   * query log interleaved in the same syslog file); undefined hands it on to the auth parser.
   */
  divert?: (line: string) => TelemetryEvent | null | undefined;
}

export interface AuthLogReadStats extends AuthParseStats {
  file: string;
}

/** Auth events from one log file (plain or gzip), in file order; stats are complete once iteration ends. */
export async function* readAuthLogFile(
  file: string,
  opts: ReadAuthLogOptions = {},
  statsOut?: (s: AuthLogReadStats) => void,
): AsyncGenerator<TelemetryEvent> {
  for await (const batch of readAuthLogBatches(file, opts, statsOut)) yield* batch;
}

/**
 * The same events in batches, one per chunk read: awaiting once per batch instead of once per event is a large
 * part of the cost on big files (bench/logs).
 */
export async function* readAuthLogBatches(
  file: string,
  opts: ReadAuthLogOptions = {},
  statsOut?: (s: AuthLogReadStats) => void,
): AsyncGenerator<TelemetryEvent[]> {
  let mtimeMs: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new MinewardenError('MW_INPUT_UNREADABLE', 'not a regular file', { file });
    mtimeMs = st.mtimeMs;
  } catch (err) {
    if (err instanceof MinewardenError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new MinewardenError(
      code === 'ENOENT' ? 'MW_INPUT_NOT_FOUND' : 'MW_INPUT_UNREADABLE',
      String(code),
      { file },
    );
  }
  const maxLine = opts.maxLineLength ?? DEFAULT_MAX_LINE;
  const parser = new AuthLogParser({
    referenceTime: mtimeMs,
    maxLineLength: maxLine,
    ...(opts.hostId ? { hostId: opts.hostId } : {}),
  });
  const lineStats: LineStats = { tooLong: 0 };
  const format = opts.format ?? 'auto';
  try {
    for await (const batch of readLineBatches(file, maxLine, lineStats)) {
      const out: TelemetryEvent[] = [];
      for (const line of batch) {
        const other = opts.divert?.(line);
        if (other !== undefined) {
          if (other !== null) out.push(other);
          continue;
        }
        const events =
          format === 'journal' || (format === 'auto' && line.charCodeAt(0) === 123)
            ? parseJournalLine(parser, line)
            : parser.parseLine(line);
        for (const e of events) out.push(e);
      }
      if (out.length > 0) yield out;
    }
  } catch (err) {
    if (err instanceof MinewardenError) throw err;
    throw new MinewardenError('MW_INPUT_UNREADABLE', (err as Error).message, { file }, { cause: err });
  } finally {
    parser.finish();
    const s = { ...parser.stats, file };
    s.lines += lineStats.tooLong;
    s.skippedLong += lineStats.tooLong;
    statsOut?.(s);
  }
}
