import { type ByteSourceOptions, type OpenedInput, openInput } from './input.js';
import { type JsonReadOptions, readJsonRecords } from './json-records.js';
import { type CloudReadStats, newStats, noteProblem } from './stats.js';

export type RecordHandler = (value: unknown, line: number, stats: CloudReadStats) => void;

/**
 * Reads a JSON log file and hands each record over; CloudWatch Logs exports (records with a `message` string that
 * holds the JSON) are unwrapped first, so every reader takes both shapes.
 */
export async function readJsonLogFile(
  file: string,
  format: string,
  onRecord: RecordHandler,
  o: ByteSourceOptions & JsonReadOptions = {},
): Promise<CloudReadStats> {
  const input = await openInput(file, o);
  const stats = newStats(file, format);
  try {
    await readRecords(input, stats, onRecord, o);
  } finally {
    await input.close();
  }
  stats.gzip = input.bytes.gzip;
  stats.bytesRead = input.bytes.bytesIn;
  stats.cutOff = input.bytes.cutOff;
  return stats;
}

async function readRecords(
  input: OpenedInput,
  stats: CloudReadStats,
  onRecord: RecordHandler,
  o: ByteSourceOptions & JsonReadOptions,
): Promise<void> {
  if (input.first >= 0 && input.first !== 0x7b && input.first !== 0x5b) {
    stats.skipped.malformed++;
    noteProblem(stats, 1, `not JSON (starts with byte 0x${input.first.toString(16)})`);
  } else {
    await readJsonRecords(
      input.chunks,
      stats,
      (value, line) => {
        const v = value as { message?: unknown; timestamp?: unknown; logStreamName?: unknown } | null;
        if (v && typeof v.message === 'string' && typeof v.timestamp === 'number') {
          let inner: unknown;
          try {
            inner = JSON.parse(v.message);
          } catch (err) {
            stats.skipped.malformed++;
            noteProblem(stats, line, `CloudWatch message is not JSON (${(err as Error).message})`);
            return;
          }
          onRecord(inner, line, stats);
        } else onRecord(value, line, stats);
      },
      o,
    );
  }
}

/** One zod failure as "field: message", for the examples in the read stats. */
export function issueText(error: {
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>;
}): string {
  const i = error.issues[0];
  return i ? `${i.path.map(String).join('.') || 'record'}: ${i.message}` : 'invalid';
}
