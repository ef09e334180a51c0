/**
 * What BINARY_RE asks of a line, asked of its bytes four at a time: a word whose bytes are all printable ASCII
 * (0x20-0x7f) is passed with one test, and only words holding a control byte or a non-ASCII byte are looked at byte
 * by byte. Most auth-log lines are plain ASCII, so this is a quarter of the loop a byte-at-a-time scan runs.
 */

let words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
let wordsOf: ArrayBufferLike | undefined;

/** The 32-bit words of `buf`'s memory (cached: the file reader reuses one buffer). */
function view(buf: Uint8Array): Uint32Array<ArrayBufferLike> {
  const ab = buf.buffer;
  if (ab !== wordsOf) {
    words = new Uint32Array(ab, 0, ab.byteLength >>> 2);
    wordsOf = ab;
  }
  return words;
}

/** -1: a byte BINARY_RE would find (C0 controls other than tab, line ends and 0x1d); 0: ASCII; 1: other bytes. */
function byteKind(c: number): number {
  if (c < 32) return c <= 8 || (c >= 14 && c !== 29) ? -1 : 0;
  return c > 127 ? 1 : 0;
}

/** -1 when `buf[from, to)` holds a control byte BINARY_RE would find; else 0 if all ASCII, 1 if not. */
export function scanBytes(buf: Uint8Array, from: number, to: number): number {
  let wide = 0;
  let i = from;
  const base = buf.byteOffset;
  // Bytes before the first whole word.
  while (i < to && ((base + i) & 3) !== 0) {
    const k = byteKind(buf[i] as number);
    if (k < 0) return -1;
    wide |= k;
    i++;
  }
  const w = view(buf);
  const last = (base + to) >>> 2;
  for (let j = (base + i) >>> 2; j < last; j++) {
    const x = w[j] as number;
    // Some byte below 0x20 (the classic "has a byte less than n" test) or at or above 0x80.
    if ((((x - 0x20202020) & ~x) | x) & 0x80808080) {
      for (let b = j * 4 - base, e = b + 4; b < e; b++) {
        const k = byteKind(buf[b] as number);
        if (k < 0) return -1;
        wide |= k;
      }
    }
  }
  for (i = Math.max(i, last * 4 - base); i < to; i++) {
    const k = byteKind(buf[i] as number);
    if (k < 0) return -1;
    wide |= k;
  }
  return wide;
}
