import type { ByteSourceOptions } from './input.js';
import { CONTAINER_KEYS, type JsonRecordHandler, JsonRecordSplitter } from './json-split.js';
import { LineSplitter } from './lines.js';
import { type CloudReadStats, noteProblem } from './stats.js';

export interface JsonReadOptions extends ByteSourceOptions {
  maxRecord?: number;
}

function isJsonLine(line: string): boolean {
  const t = line.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) return false;
  try {
    const v = JSON.parse(t) as Record<string, unknown>;
    return !Object.keys(v).some((k) => CONTAINER_KEYS.has(k) && Array.isArray(v[k]));
  } catch {
    return false;
  }
}

/**
 * Every JSON record of a file's bytes (see openInput) in order. JSON lines are read line by line, so a broken line costs
 * that line only; anything else (one array, a document with `Records`/`records`/`events`, documents back to back)
 * goes through the streaming splitter. Either way one record at a time is held.
 */
export async function readJsonRecords(
  chunks: AsyncIterable<Buffer>,
  stats: CloudReadStats,
  onRecord: JsonRecordHandler,
  o: JsonReadOptions = {},
): Promise<void> {
  const maxRecord = o.maxRecord ?? 1 << 20;
  const onError = (line: number, message: string) => {
    stats.skipped.malformed++;
    noteProblem(stats, line, message);
  };
  let consumer: { push(b: Buffer): void; end(): void } | null = null;
  let head: Buffer[] = [];
  let headLen = 0;
  const noEnvelope: Readonly<Record<string, string>> = {};
  const choose = (): void => {
    const all = Buffer.concat(head);
    const nl = all.indexOf(10);
    const first = all.toString('utf8', 0, nl < 0 ? all.length : nl);
    if (isJsonLine(first)) {
      const lines = new LineSplitter(
        (line, n) => {
          if (line.trim() === '') return;
          let v: unknown;
          try {
            v = JSON.parse(line);
          } catch (err) {
            onError(n, `not valid JSON (${(err as Error).message})`);
            return;
          }
          onRecord(v, n, noEnvelope);
        },
        maxRecord,
        'utf8',
      );
      consumer = {
        push: (b) => lines.push(b),
        end: () => {
          lines.end();
          stats.skipped.tooLarge += lines.tooLong;
          if (lines.tooLong)
            noteProblem(stats, 0, `${lines.tooLong} line(s) over ${maxRecord} bytes skipped`);
        },
      };
    } else {
      const split = new JsonRecordSplitter(onRecord, onError, maxRecord);
      consumer = {
        push: (b) => split.push(b),
        end: () => {
          split.end();
          stats.skipped.tooLarge += split.stats.tooLarge;
          if (split.stats.tooLarge)
            noteProblem(stats, 0, `${split.stats.tooLarge} record(s) over ${maxRecord} bytes skipped`);
        },
      };
    }
    consumer.push(all);
    head = [];
  };
  for await (const chunk of chunks) {
    if (consumer) {
      (consumer as { push(b: Buffer): void }).push(chunk);
      continue;
    }
    head.push(chunk);
    headLen += chunk.length;
    if (chunk.includes(10) || headLen >= maxRecord) choose();
  }
  if (!consumer && headLen > 0) choose();
  (consumer as { end(): void } | null)?.end();
}
