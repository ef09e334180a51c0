/**
 * What both splitters share: the piece of a line carried from one chunk to the next, bounded by `maxLine`; a line
 * over it is dropped and counted, however long it runs (a gzip bomb of zeros is one endless line).
 */
abstract class CarriedLines {
  /** Lines seen, including dropped ones: the next line's number is lineNo + 1. */
  lineNo = 0;
  tooLong = 0;
  protected carry: Buffer[] = [];
  protected carryLen = 0;
  protected skipping = false;

  constructor(protected readonly maxLine: number) {}

  /** A whole line put together from the carried piece (and the start of the next chunk), without its newline. */
  protected abstract emitCarried(line: Buffer): void;

  /** Ends the line carried over into `chunk`; returns where the chunk's own lines start. */
  protected finishCarry(chunk: Buffer): number {
    const first = chunk.indexOf(10);
    if (this.skipping || this.carryLen + first > this.maxLine) this.drop();
    else this.emitCarried(Buffer.concat([...this.carry, chunk.subarray(0, first)]));
    this.carry = [];
    this.carryLen = 0;
    this.skipping = false;
    return first + 1;
  }

  end(): void {
    if (this.skipping) this.drop();
    else if (this.carryLen > 0) this.emitCarried(Buffer.concat(this.carry));
    this.carry = [];
    this.carryLen = 0;
    this.skipping = false;
  }

  protected hold(b: Buffer): void {
    if (b.length === 0 || this.skipping) return;
    if (this.carryLen + b.length > this.maxLine) {
      this.skipping = true;
      this.carry = [];
      this.carryLen = 0;
      return;
    }
    this.carry.push(Buffer.from(b));
    this.carryLen += b.length;
  }

  protected drop(): void {
    this.lineNo++;
    this.tooLong++;
  }
}

/**
 * Splits byte chunks into lines without holding more than one line (a newline byte never sits inside a UTF-8
 * sequence, so lines are cut on bytes); a line longer than `maxLine` bytes is dropped and counted, however long it
 * runs (a gzip bomb of zeros is one endless line).
 */
export class LineSplitter extends CarriedLines {
  constructor(
    private readonly onLine: (line: string, lineNo: number) => void,
    maxLine = 1 << 20,
    private readonly encoding: 'latin1' | 'utf8' = 'utf8',
  ) {
    super(maxLine);
  }

  push(chunk: Buffer): void {
    const last = chunk.lastIndexOf(10);
    if (last < 0) {
      this.hold(chunk);
      return;
    }
    const start = this.carryLen > 0 || this.skipping ? this.finishCarry(chunk) : 0;
    // Each line is decoded on its own: strings sliced from one big chunk string would keep the whole chunk alive
    // for as long as any field taken from a line is kept (a finding's evidence, a table key).
    let pos = start;
    while (pos <= last) {
      const nl = chunk.indexOf(10, pos);
      if (nl - pos > this.maxLine) this.drop();
      else this.emit(chunk.toString(this.encoding, pos, nl));
      pos = nl + 1;
    }
    this.hold(chunk.subarray(last + 1));
  }

  protected emitCarried(line: Buffer): void {
    this.emit(line.toString(this.encoding));
  }

  private emit(line: string): void {
    this.lineNo++;
    this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line, this.lineNo);
  }
}

/** A line as bytes: `bytes[start, end)` (a view of `buf`, for reading byte by byte), without the newline or a CR. */
export type ByteLineHandler = (
  bytes: Uint8Array,
  buf: Buffer,
  start: number,
  end: number,
  lineNo: number,
) => void;

/**
 * LineSplitter without decoding: each line is handed over as offsets into the chunk, for readers that parse bytes
 * in place (VPC flow logs, millions of lines). Same limits: a line over `maxLine` bytes is dropped and counted.
 */
export class ByteLineSplitter extends CarriedLines {
  constructor(
    private readonly onLine: ByteLineHandler,
    maxLine = 1 << 20,
  ) {
    super(maxLine);
  }

  push(chunk: Buffer): void {
    const last = chunk.lastIndexOf(10);
    if (last < 0) {
      this.hold(chunk);
      return;
    }
    // The line across the chunk boundary is finished in its own method: a branch first taken after the loop
    // below was optimized would send the whole loop back to the interpreter, once per chunk.
    const start = this.carryLen > 0 || this.skipping ? this.finishCarry(chunk) : 0;
    this.lines(chunk, start, last);
    this.hold(chunk.subarray(last + 1));
  }

  private lines(chunk: Buffer, start: number, last: number): void {
    // Indexing a Uint8Array view is several times faster than indexing the Buffer itself in V8.
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
    const max = this.maxLine;
    let pos = start;
    while (pos <= last) {
      const nl = chunk.indexOf(10, pos);
      if (nl - pos > max) this.drop();
      else this.emit(bytes, chunk, pos, nl);
      pos = nl + 1;
    }
  }

  protected emitCarried(b: Buffer): void {
    this.emit(new Uint8Array(b.buffer, b.byteOffset, b.length), b, 0, b.length);
  }

  private emit(bytes: Uint8Array, buf: Buffer, start: number, end: number): void {
    this.lineNo++;
    this.onLine(bytes, buf, start, end > start && bytes[end - 1] === 13 ? end - 1 : end, this.lineNo);
  }
}
