import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';

export interface LineStats {
  /** Lines over the limit, dropped without being held in memory whole. */
  tooLong: number;
}

/**
 * Splits decoded text into lines with a cap on line length: past the cap the rest of the line is discarded as it
 * streams by, so a 1 GiB line costs no more memory than a short one.
 */
/** Longest line kept: real auth-log lines are under a few KiB; anything near this is garbage or an attack. */
export const DEFAULT_MAX_LINE = 64 * 1024;

export class LineSplitter {
  private carry = '';
  private skipping = false;

  constructor(
    private readonly maxLine: number,
    readonly stats: LineStats = { tooLong: 0 },
  ) {}

  /** Complete lines in `text` (joined with what was left from before). */
  push(text: string, out: string[]): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      if (this.skipping) this.skipping = false;
      else {
        const line = this.carry.length > 0 ? this.carry + text.slice(start, nl) : text.slice(start, nl);
        this.carry = '';
        if (line.length > this.maxLine) this.stats.tooLong++;
        else out.push(line);
      }
      start = nl + 1;
    }
    if (start < text.length && !this.skipping) {
      this.carry += text.slice(start);
      if (this.carry.length > this.maxLine) {
        this.carry = '';
        this.skipping = true;
        this.stats.tooLong++;
      }
    }
  }

  /** The last line when the input does not end with a newline. */
  end(out: string[]): void {
    if (!this.skipping && this.carry.length > 0) out.push(this.carry);
    this.carry = '';
    this.skipping = false;
  }
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** Lines of a text file, gunzipped when it is gzip (by magic bytes, not name), in batches to keep overhead low. */
export async function* readLineBatches(
  file: string,
  maxLine: number,
  stats?: LineStats,
): AsyncGenerator<string[]> {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const stream = (await isGzip(file)) ? raw.pipe(createGunzip()) : raw;
  const decoder = new StringDecoder('utf8');
  const splitter = new LineSplitter(maxLine, stats);
  try {
    for await (const chunk of stream) {
      const out: string[] = [];
      splitter.push(decoder.write(chunk as Buffer), out);
      if (out.length > 0) yield out;
    }
    const out: string[] = [];
    splitter.push(decoder.end(), out);
    splitter.end(out);
    if (out.length > 0) yield out;
  } finally {
    raw.destroy();
  }
}
