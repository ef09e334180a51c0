import { closeSync, createReadStream, open, readSync } from 'node:fs';
import { isGzip, type LineStats } from './lines.js';

/** Receives each line as a byte range (newline excluded); the bytes are only valid during the call. */
export interface ByteLineSink {
  line(buf: Buffer, start: number, end: number): void;
  /**
   * Optional: takes whole lines of `buf` from `from` (a line start) in bulk, with the splitter's cap on length and
   * its count of over-long lines, and returns where it stopped (a line start; `from` when it took none).
   */
  lines?(buf: Buffer, from: number, maxLine: number, stats: LineStats): number;
}

/**
 * Splits chunks of bytes into lines without decoding them, with the same cap as `LineSplitter`: past `maxLine`
 * the rest of a line is dropped as it streams by. A line cut by a chunk boundary is joined in a small carry buffer;
 * every other line is handed over in place.
 */
export class ByteLineSplitter {
  private carry: Buffer[] = [];
  private carryLen = 0;
  private skipping = false;

  constructor(
    private readonly maxLine: number,
    readonly stats: LineStats = { tooLong: 0 },
  ) {}

  private chunk: Buffer = Buffer.alloc(0);
  private pos = 0;

  /** All lines of `chunk` (joined with what was left from before). */
  push(chunk: Buffer, sink: ByteLineSink): void {
    this.begin(chunk);
    this.pump(sink, () => false);
  }

  /** Starts on a chunk; `pump` then hands its lines over. */
  begin(chunk: Buffer): void {
    this.chunk = chunk;
    this.pos = 0;
  }

  /**
   * Hands over lines of the current chunk until `full()` says stop (true: call again for more) or the chunk is
   * done (false; its unfinished last line is kept for the next chunk).
   */
  pump(sink: ByteLineSink, full: () => boolean): boolean {
    const chunk = this.chunk;
    const n = chunk.length;
    let start = this.pos;
    for (;;) {
      if (full()) {
        this.pos = start;
        return true;
      }
      if (sink.lines !== undefined && this.carryLen === 0 && !this.skipping) {
        const next = sink.lines(chunk, start, this.maxLine, this.stats);
        if (next !== start) {
          start = next;
          continue;
        }
      }
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      if (this.skipping) this.skipping = false;
      else if (this.carryLen > 0) {
        if (this.carryLen + nl - start > this.maxLine) this.stats.tooLong++;
        else {
          const joined = Buffer.concat([...this.carry, chunk.subarray(start, nl)]);
          sink.line(joined, 0, joined.length);
        }
        this.carry = [];
        this.carryLen = 0;
      } else if (nl - start > this.maxLine) this.stats.tooLong++;
      else sink.line(chunk, start, nl);
      start = nl + 1;
    }
    if (start < n && !this.skipping) {
      // Copied: the caller reuses its buffer for the next read.
      this.carry.push(Buffer.from(chunk.subarray(start)));
      this.carryLen += n - start;
      if (this.carryLen > this.maxLine) {
        this.carry = [];
        this.carryLen = 0;
        this.skipping = true;
        this.stats.tooLong++;
      }
    }
    this.pos = n;
    return false;
  }

  /** The last line when the input does not end with a newline. */
  end(sink: ByteLineSink): void {
    if (!this.skipping && this.carryLen > 0) {
      const joined = Buffer.concat(this.carry);
      sink.line(joined, 0, joined.length);
    }
    this.carry = [];
    this.carryLen = 0;
    this.skipping = false;
  }
}

/**
 * Reads 256 KiB at a time: few enough awaits to be cheap, small enough that the events made from one chunk are
 * consumed while they are still young (bench/logs).
 */
const CHUNK = 1 << 18;
const YIELD_EVERY = 16;

/**
 * The bytes of a file (gunzipped when it is gzip, by magic bytes), chunk by chunk. A plain file is read into one
 * reused buffer: each chunk must be consumed before the next is asked for.
 */
export async function* readChunks(file: string): AsyncGenerator<Buffer> {
  if (await isGzip(file)) {
    // Loaded only for a gzip file: most runs read plain logs, and every module loaded is start-up time.
    const { createGunzip } = await import('node:zlib');
    const raw = createReadStream(file, { highWaterMark: 1 << 16 });
    try {
      for await (const chunk of raw.pipe(createGunzip())) yield chunk as Buffer;
    } finally {
      raw.destroy();
    }
    return;
  }
  // Read on this thread: a plain file's reads take microseconds, and each read through the thread pool cost a
  // wake-up of a pool thread and of this one (~430 per million lines; context switches of `logs FILE` 2,400 ->
  // 1,550). The event loop still gets a turn every YIELD_EVERY chunks, for a caller with other work (the agent).
  const fd = await new Promise<number>((res, rej) =>
    open(file, 'r', (err, fd) => (err ? rej(err) : res(fd))),
  );
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let n = 1; ; n++) {
      const bytesRead = readSync(fd, buf, 0, CHUNK, null);
      if (bytesRead === 0) return;
      yield bytesRead === CHUNK ? buf : buf.subarray(0, bytesRead);
      if (n % YIELD_EVERY === 0) await new Promise<void>((res) => setImmediate(res));
    }
  } finally {
    closeSync(fd);
  }
}
