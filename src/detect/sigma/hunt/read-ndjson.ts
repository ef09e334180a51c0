import { createReadStream } from 'node:fs';
import { MinewardenError } from '../../../model/errors.js';

/** One event line may not exceed this; a longer line is an input error rather than an unbounded buffer. */
export const MAX_LINE_BYTES = 1024 * 1024;

export interface NdjsonLine {
  readonly line: number;
  readonly value: unknown;
}

/** Streams a file's non-empty lines as parsed JSON, naming the file and line of anything that does not parse. */
export async function* readNdjson(file: string): AsyncGenerator<NdjsonLine> {
  let pending = '';
  let lineNo = 0;
  const parse = (text: string, n: number): NdjsonLine => {
    try {
      return { line: n, value: JSON.parse(text) };
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new MinewardenError('MW_INPUT_PARSE', `not a JSON object: ${why}`, { file, line: n });
    }
  };
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 64 * 1024 });
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      pending += chunk;
      let nl = pending.indexOf('\n');
      while (nl !== -1) {
        lineNo++;
        const text = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (text !== '') yield parse(text, lineNo);
        nl = pending.indexOf('\n');
      }
      if (pending.length > MAX_LINE_BYTES)
        throw new MinewardenError('MW_INPUT_PARSE', `line longer than ${MAX_LINE_BYTES} bytes`, {
          file,
          line: lineNo + 1,
        });
    }
  } catch (err) {
    if (err instanceof MinewardenError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new MinewardenError(
      code === 'ENOENT' ? 'MW_INPUT_NOT_FOUND' : 'MW_INPUT_UNREADABLE',
      `cannot read events: ${code ?? String(err)}`,
      { file },
    );
  } finally {
    stream.destroy();
  }
  lineNo++;
  if (pending.trim() !== '') yield parse(pending.trim(), lineNo);
}
