import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

export interface LineStats {
  /** Lines over the limit, dropped without being held in memory whole. */
  tooLong: number;
}

/** Longest line kept: real auth-log lines are under a few KiB; anything near this is garbage or an attack. */
export const DEFAULT_MAX_LINE = 64 * 1024;

/**
 * Splits bytes into lines with a cap on line length: past the cap the rest of the line is discarded as it streams
 * by, so a 1 GiB line costs no more memory than a short one. Each line is decoded on its own (UTF-8; a newline
 * byte never sits inside a multi-byte character) rather than sliced out of a decoded chunk: a slice keeps its whole
 * chunk alive, so detector state holding one address would otherwise pin a megabyte of log.
 */
export class LineSplitter {
  private carry: Buffer[] = [];
  private carryLen = 0;
  private skipping = false;

  constructor(
    private readonly maxLine: number,
    readonly stats: LineStats = { tooLong: 0 },
  ) {}

  /** Complete lines in `chunk` (joined with what was left from before). */
  push(chunk: Buffer, out: string[]): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      if (this.skipping) this.skipping = false;
      else if (this.carryLen > 0) {
        const len = this.carryLen + nl - start;
        if (len > this.maxLine) this.stats.tooLong++;
        else out.push(Buffer.concat([...this.carry, chunk.subarray(start, nl)]).toString('utf8'));
      } else if (nl - start > this.maxLine) this.stats.tooLong++;
      else out.push(chunk.toString('utf8', start, nl));
      this.carry = [];
      this.carryLen = 0;
      start = nl + 1;
    }
    if (start < chunk.length && !this.skipping) {
      // Copied: the caller may reuse its buffer for the next read.
      this.carry.push(Buffer.from(chunk.subarray(start)));
      this.carryLen += chunk.length - start;
      if (this.carryLen > this.maxLine) {
        this.carry = [];
        this.carryLen = 0;
        this.skipping = true;
        this.stats.tooLong++;
      }
    }
  }

  /** The last line when the input does not end with a newline. */
  end(out: string[]): void {
    if (!this.skipping && this.carryLen > 0) out.push(Buffer.concat(this.carry).toString('utf8'));
    this.carry = [];
    this.carryLen = 0;
    this.skipping = false;
  }
}

/** Whether a file is gzip, by its magic bytes (not its name). */
export async function isGzip(file: string): Promise<boolean> {
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
  // 64 KiB reads: measured faster and leaner than 1 MiB (bench/logs: 3.3 vs 4.1 CPU-s, 155 vs 196 MiB peak per
  // million lines); each batch of lines is consumed while it is still in the young generation.
  const raw = createReadStream(file, { highWaterMark: 1 << 16 });
  const stream = (await isGzip(file)) ? raw.pipe((await import('node:zlib')).createGunzip()) : raw;
  const splitter = new LineSplitter(maxLine, stats);
  try {
    for await (const chunk of stream) {
      const out: string[] = [];
      splitter.push(chunk as Buffer, out);
      if (out.length > 0) yield out;
    }
    const out: string[] = [];
    splitter.end(out);
    if (out.length > 0) yield out;
  } finally {
    raw.destroy();
  }
}
