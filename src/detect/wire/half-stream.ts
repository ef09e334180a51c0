import type { PayloadMarks } from '../../sources/pcap/native-walk-sink.js';

/** Receives complete lines of one direction: buf[s, e) without the newline; `cut` when the line was too long. */
export type LineHandler = (buf: Buffer, s: number, e: number, cut: boolean) => void;

/** The longest line kept whole; longer ones are handed over cut at this size and the rest is skipped. */
export const MAX_LINE_BYTES = 256 * 1024;
const MAX_OOO_SEGMENTS = 16;
const MAX_OOO_BYTES = 128 * 1024;

/**
 * Where things are in the payload of the segment being read from `buf` (offsets in `buf`, -1: none), when the caller
 * knows (`buf` null otherwise): the native walk finds them while it copies the segment out, so most segments (one
 * line each) need no search here. The first and last newline; the first and last `"method"` key and the method name
 * after the first key as findMethod reads it on that key's line (start -1: it reads none).
 */
export interface SegmentHint {
  buf: Buffer | null;
  first: number;
  last: number;
  methodKey: number;
  lastMethodKey: number;
  methodStart: number;
  methodEnd: number;
}

/** Where the native walk found things in a payload at `at` of `buf` (offsets from the payload, -1: none), as a hint. */
export function setHint(h: SegmentHint, buf: Buffer, at: number, marks: PayloadMarks): void {
  h.buf = buf;
  h.first = marks.firstNewline < 0 ? -1 : at + marks.firstNewline;
  h.last = marks.lastNewline < 0 ? -1 : at + marks.lastNewline;
  h.methodKey = marks.firstMethodKey < 0 ? -1 : at + marks.firstMethodKey;
  h.lastMethodKey = marks.lastMethodKey < 0 ? -1 : at + marks.lastMethodKey;
  h.methodStart = marks.methodStart < 0 ? -1 : at + marks.methodStart;
  h.methodEnd = marks.methodEnd < 0 ? -1 : at + marks.methodEnd;
}

interface Segment {
  seq: number;
  data: Buffer;
}

/**
 * One direction of a TCP connection, reassembled just enough for newline-delimited JSON-RPC: in-order delivery by
 * sequence number, retransmissions trimmed, a few out-of-order segments held (copied, bounded), and lines split
 * across segments joined in a bounded buffer. A gap that cannot be filled resynchronises at the next line start.
 */
export class HalfStream {
  private nextSeq = 0;
  private started = false;
  private ooo: Segment[] | null = null;
  private oooBytes = 0;
  private line: Buffer | null = null;
  private lineLen = 0;
  /** Discarding bytes until the next newline (after a gap, a cut line, or a mid-stream start). */
  private skipping = false;
  gaps = 0;
  cutLines = 0;

  /**
   * Payload of one segment. `syn` marks the segment that carries SYN (its sequence number is one before data);
   * `newlines`, when given, says where the newlines of buf[off, off + len) are.
   */
  push(
    buf: Buffer,
    off: number,
    len: number,
    seq: number,
    syn: boolean,
    onLine: LineHandler,
    newlines: SegmentHint | null = null,
  ): void {
    if (!this.started) {
      this.started = true;
      this.nextSeq = syn ? (seq + 1) >>> 0 : seq;
      // Joined mid-connection: the first bytes may be the tail of a line, unless they look like a message start.
      if (!syn && len > 0 && !startsMessage(buf, off, len)) this.skipping = true;
    } else if (syn) return;
    if (len === 0) return;
    const diff = (seq - this.nextSeq) | 0;
    if (diff === 0) {
      this.deliver(buf, off, len, onLine, newlines);
      if (this.ooo) this.drain(onLine);
    } else if (diff < 0) {
      if (diff + len <= 0) return;
      this.deliver(buf, off - diff, len + diff, onLine, newlines);
      if (this.ooo) this.drain(onLine);
    } else if (this.holdable(len)) {
      this.ooo ??= [];
      this.ooo.push({ seq, data: Buffer.from(buf.subarray(off, off + len)) });
      this.oooBytes += len;
    } else {
      // The hole will not be filled within our budget: give up on it and start again at the next line.
      this.gaps++;
      this.ooo = null;
      this.oooBytes = 0;
      this.lineLen = 0;
      this.nextSeq = seq;
      this.skipping = !startsMessage(buf, off, len);
      this.deliver(buf, off, len, onLine, newlines);
    }
  }

  private holdable(len: number): boolean {
    return (this.ooo?.length ?? 0) < MAX_OOO_SEGMENTS && this.oooBytes + len <= MAX_OOO_BYTES;
  }

  private drain(onLine: LineHandler): void {
    const list = this.ooo;
    if (!list) return;
    let progressed = true;
    while (progressed && list.length > 0) {
      progressed = false;
      for (let i = 0; i < list.length; i++) {
        const seg = list[i] as Segment;
        const diff = (seg.seq - this.nextSeq) | 0;
        if (diff > 0) continue;
        list.splice(i, 1);
        this.oooBytes -= seg.data.length;
        if (diff + seg.data.length > 0) this.deliver(seg.data, -diff, seg.data.length + diff, onLine, null);
        progressed = true;
        break;
      }
    }
    if (list.length === 0) this.ooo = null;
  }

  /** Splits buf[off, off + len) (the whole payload or its tail) into lines; `newlines` is about the whole payload. */
  private deliver(
    buf: Buffer,
    off: number,
    len: number,
    onLine: LineHandler,
    newlines: SegmentHint | null,
  ): void {
    this.nextSeq = (this.nextSeq + len) >>> 0;
    const end = off + len;
    let s = off;
    // One view per segment lets the native search stop at the segment's end instead of running on into the buffer;
    // made only when the newline positions given do not already answer.
    let seg: Buffer | null = null;
    while (s < end) {
      let nl: number;
      if (newlines !== null && s <= newlines.first) nl = newlines.first;
      else if (newlines !== null && s > newlines.last) nl = end;
      else {
        seg ??= buf.subarray(off, end);
        const found = seg.indexOf(0x0a, s - off);
        nl = found < 0 ? end : off + found;
      }
      if (this.skipping) {
        if (nl < end) this.skipping = false;
        s = nl + 1;
        continue;
      }
      if (nl === end) {
        this.append(buf, s, end, onLine);
        return;
      }
      if (this.lineLen === 0) {
        if (nl > s) onLine(buf, s, nl, false);
      } else {
        this.append(buf, s, nl, onLine);
        if (this.lineLen > 0 && this.line) onLine(this.line, 0, this.lineLen, false);
        this.lineLen = 0;
        this.skipping = false;
      }
      s = nl + 1;
    }
  }

  private append(buf: Buffer, s: number, e: number, onLine: LineHandler): void {
    const n = e - s;
    if (this.lineLen + n > MAX_LINE_BYTES) {
      // Hand over what fits so a giant message is still classified by its start, then skip to its end.
      const fit = MAX_LINE_BYTES - this.lineLen;
      this.grow(MAX_LINE_BYTES);
      const line = this.line as Buffer;
      buf.copy(line, this.lineLen, s, s + fit);
      onLine(line, 0, MAX_LINE_BYTES, true);
      this.cutLines++;
      this.lineLen = 0;
      this.skipping = true;
      return;
    }
    this.grow(this.lineLen + n);
    buf.copy(this.line as Buffer, this.lineLen, s, e);
    this.lineLen += n;
  }

  private grow(size: number): void {
    if (this.line && this.line.length >= size) return;
    const next = Buffer.allocUnsafe(Math.min(MAX_LINE_BYTES, Math.max(size, (this.line?.length ?? 512) * 2)));
    if (this.line && this.lineLen > 0) this.line.copy(next, 0, 0, this.lineLen);
    this.line = next;
  }

  /**
   * The sequence number this stream expects next when it stands at a line start with nothing held (so a segment
   * there made of whole lines is read line by line with no state carried over), else -1.
   */
  resumeAt(): number {
    return this.started && this.lineLen === 0 && !this.skipping && this.ooo === null ? this.nextSeq : -1;
  }

  /**
   * Moves a stream that stands at a line start (resumeAt() >= 0), or one that has not started, on to `seq`: the
   * segments before were read elsewhere, whole lines from a message start.
   */
  resumeFrom(seq: number): void {
    this.started = true;
    this.nextSeq = seq;
  }

  /** Holds buf[s, e) as the start of a line not finished yet (read elsewhere, after resumeFrom). */
  carry(buf: Buffer, s: number, e: number): void {
    this.grow(this.lineLen + e - s);
    buf.copy(this.line as Buffer, this.lineLen, s, e);
    this.lineLen += e - s;
  }

  /** Bytes held for this direction (line buffer and out-of-order segments). */
  get heldBytes(): number {
    return (this.line?.length ?? 0) + this.oooBytes;
  }
}

/** A JSON message start after optional whitespace. */
export function startsMessage(buf: Buffer, off: number, len: number): boolean {
  const end = off + Math.min(len, 16);
  for (let i = off; i < end; i++) {
    const c = buf[i];
    if (c === 0x7b || c === 0x5b) return true;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return false;
  }
  return false;
}
