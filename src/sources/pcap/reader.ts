import { open } from 'node:fs/promises';
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

const CHUNK = 4 * 1024 * 1024;

/**
 * Holds the unparsed tail of the input in one reusable buffer: bytes are appended, whole records parsed in place,
 * the partial record moved to the front. Memory is one chunk plus the largest record the parser allows.
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
    chunkBytes = CHUNK,
  ) {
    this.parser = new RecordParser(source, onPacket);
    this.buf = Buffer.allocUnsafe(chunkBytes);
  }

  /** Room to write at least `min` bytes at the end; returns [buffer, writeOffset]. */
  reserve(min: number): [Buffer, number] {
    const want = Math.max(min, this.parser.needed - (this.end - this.start));
    if (this.buf.length - this.end >= want) return [this.buf, this.end];
    const live = this.end - this.start;
    if (this.buf.length - live >= want) {
      this.buf.copyWithin(0, this.start, this.end);
    } else {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, live + want));
      this.buf.copy(next, 0, this.start, this.end);
      this.buf = next;
    }
    this.start = 0;
    this.end = live;
    return [this.buf, this.end];
  }

  /** Marks `n` bytes written at the reserved offset as present and parses what is complete. */
  commit(n: number): void {
    this.end += n;
    this.total += n;
    const pos = this.parser.parse(this.buf, this.start, this.end, this.offset);
    this.offset += pos - this.start;
    this.start = pos;
    if (this.start === this.end) this.start = this.end = 0;
  }

  /** Appends bytes from a pipe chunk. */
  write(chunk: Buffer): void {
    let done = 0;
    while (done < chunk.length) {
      const [buf, at] = this.reserve(1);
      const n = Math.min(chunk.length - done, buf.length - at);
      chunk.copy(buf, at, done, done + n);
      done += n;
      this.commit(n);
    }
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

function openError(path: string, err: unknown): MinewardenError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new MinewardenError('MW_INPUT_NOT_FOUND', 'no such file', { file: path });
  return new MinewardenError('MW_INPUT_UNREADABLE', `cannot read (${code ?? String(err)})`, { file: path });
}

/** Streams a capture file through `onPacket` in fixed chunks; the file is never held in memory whole. */
export async function readCaptureFile(
  path: string,
  onPacket: PacketHandler,
  chunkBytes = CHUNK,
): Promise<CaptureSummary> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw openError(path, err);
  }
  try {
    const stream = new CaptureStream(path, onPacket, chunkBytes);
    for (;;) {
      const [buf, at] = stream.reserve(chunkBytes / 2);
      let n: number;
      try {
        ({ bytesRead: n } = await fh.read(buf, at, buf.length - at, null));
      } catch (err) {
        throw openError(path, err);
      }
      if (n === 0) break;
      stream.commit(n);
    }
    return stream.finish();
  } finally {
    await fh.close();
  }
}
