import { closeSync, openSync, readSync } from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { MinewardenError } from '../../model/errors.js';
import { type PacketHandler, RecordParser, type RecordStats } from './records.js';

export interface CaptureSummary {
  source: string;
  format: string;
  stats: RecordStats;
  /** Bytes read from the file or pipe. */
  bytesRead: number;
  /** The input ended inside a record: where that record starts and how many of its bytes never came. */
  truncated: { offset: number; missing: number } | null;
}

/** Large enough that per-read costs vanish, small enough to stay in L2/L3 between the read and the parse. */
const CHUNK = 1024 * 1024;

/**
 * Feeds input chunks to the record parser. Whole records are parsed inside the chunk they arrived in; a record cut
 * by a chunk boundary is carried in a small buffer that grows only to the largest record the parser allows.
 */
export class CaptureStream {
  readonly parser: RecordParser;
  private buf: Buffer;
  private start = 0;
  private end = 0;
  /** Input offset of buf[start]. */
  private offset = 0;
  private total = 0;

  constructor(
    readonly source: string,
    onPacket: PacketHandler,
    carryBytes = 64 * 1024,
  ) {
    this.parser = new RecordParser(source, onPacket);
    this.buf = Buffer.allocUnsafe(carryBytes);
  }

  /**
   * Parses `chunk[0, n)` where it lies: only a record that straddles chunks is copied (into the carry buffer), so
   * the bulk of the input is never copied twice. The chunk may be reused by the caller once this returns.
   */
  write(chunk: Buffer, n = chunk.length): void {
    this.total += n;
    let used = 0;
    // First complete the record left over from the previous chunk, a few bytes at a time as the parser asks.
    while (this.end > this.start && used < n) {
      const want = Math.max(1, this.parser.needed - (this.end - this.start));
      const take = Math.min(want, n - used);
      this.ensure(take);
      chunk.copy(this.buf, this.end, used, used + take);
      this.end += take;
      used += take;
      const pos = this.parser.parse(this.buf, this.start, this.end, this.offset);
      this.offset += pos - this.start;
      this.start = pos;
      if (this.start === this.end) this.start = this.end = 0;
    }
    if (used === n) return;
    const pos = this.parser.parse(chunk, used, n, this.offset);
    this.offset += pos - used;
    if (pos < n) {
      this.ensure(n - pos);
      chunk.copy(this.buf, this.end, pos, n);
      this.end += n - pos;
    }
  }

  /** Room for `more` bytes after the carried ones. */
  private ensure(more: number): void {
    const live = this.end - this.start;
    if (this.buf.length - this.end >= more) return;
    if (this.buf.length - live >= more) this.buf.copyWithin(0, this.start, this.end);
    else {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, live + more));
      this.buf.copy(next, 0, this.start, this.end);
      this.buf = next;
    }
    this.start = 0;
    this.end = live;
  }

  finish(): CaptureSummary {
    const left = this.end - this.start;
    if (left > 0 && this.parser.formatName === 'unknown')
      throw new MinewardenError(
        'MW_INPUT_PARSE',
        `byte offset 0: too short (${left} bytes) for a capture header`,
        {
          file: this.source,
        },
      );
    if (left === 0 && this.total === 0)
      throw new MinewardenError('MW_INPUT_PARSE', 'byte offset 0: empty input, no capture header', {
        file: this.source,
      });
    return {
      source: this.source,
      format: this.parser.formatName,
      stats: this.parser.stats,
      bytesRead: this.total,
      truncated: left > 0 ? { offset: this.offset, missing: Math.max(1, this.parser.needed - left) } : null,
    };
  }
}

export function openError(path: string, err: unknown): MinewardenError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new MinewardenError('MW_INPUT_NOT_FOUND', 'no such file', { file: path });
  return new MinewardenError('MW_INPUT_UNREADABLE', `cannot read (${code ?? String(err)})`, { file: path });
}

/** Bytes read between turns of the event loop, so timers and signals are served during a long file. */
const YIELD_EVERY = 64 * 1024 * 1024;

/**
 * Streams a capture file through `onPacket` in fixed chunks; the file is never held in memory whole. Reads are
 * synchronous into one reused buffer sized to stay in the CPU cache until parsed: a thread-pool read per chunk cost
 * more CPU than it saved by overlapping, and the records are walked while their bytes are still cached.
 */
export async function readCaptureFile(
  path: string,
  onPacket: PacketHandler,
  chunkBytes = CHUNK,
): Promise<CaptureSummary> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw openError(path, err);
  }
  try {
    const stream = new CaptureStream(path, onPacket);
    const buf = Buffer.allocUnsafe(chunkBytes);
    let sinceYield = 0;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        throw openError(path, err);
      }
      if (n === 0) break;
      stream.write(buf, n);
      sinceYield += n;
      if (sinceYield >= YIELD_EVERY) {
        sinceYield = 0;
        await yieldToEventLoop();
      }
    }
    return stream.finish();
  } finally {
    closeSync(fd);
  }
}
