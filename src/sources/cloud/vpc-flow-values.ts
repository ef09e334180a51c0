/** More values than any format has fields: the line is malformed whatever follows. */
export const MAX_VALUES = 64;

/**
 * The values of the line being read, as offsets into its bytes: `at[i]` to `to[i]` is value i. Read in place: numbers
 * digit by digit, words by comparing bytes; text is cut only when asked for.
 */
export class LineValues {
  protected readonly at = new Int32Array(MAX_VALUES);
  protected readonly to = new Int32Array(MAX_VALUES);
  protected bytes: Uint8Array = new Uint8Array(0);
  protected buf: Buffer = Buffer.alloc(0);
  /** The two lanes of `hashValue`. */
  protected h1 = 0;
  protected h2 = 0;

  /** The value at index i as text (undefined when absent). */
  text(i: number): string {
    return this.buf.toString('latin1', this.at[i], this.to[i]);
  }

  is(i: number, word: Uint8Array): boolean {
    if (i < 0 || this.width(i) !== word.length) return false;
    const b = this.bytes;
    const from = this.at[i] as number;
    for (let k = 0; k < word.length; k++) if (b[from + k] !== word[k]) return false;
    return true;
  }

  /** The column is in the format and its value is not `-` (AWS: no value). */
  present(i: number): boolean {
    return i >= 0 && !(this.width(i) === 1 && this.bytes[this.at[i] as number] === 45);
  }

  width(i: number): number {
    return (this.to[i] as number) - (this.at[i] as number);
  }

  str(i: number): string | undefined {
    return this.present(i) ? this.text(i) : undefined;
  }

  /** Value i as a non-negative integer read in place; NaN when absent (`-` too) or not digits. */
  int(i: number): number {
    if (i < 0) return Number.NaN;
    const b = this.bytes;
    const end = this.to[i] as number;
    let v = 0;
    for (let k = this.at[i] as number; k < end; k++) {
      const d = (b[k] as number) - 48;
      if (d < 0 || d > 9) return Number.NaN;
      v = v * 10 + d;
    }
    return v;
  }

  /**
   * Two hash lanes over value i's bytes taken four at a time (a multiply and an xor-shift each: a quarter of the
   * serial multiplies of a byte-wise hash), after a mark holding the value's length, so values cannot run together.
   */
  protected hashValue(i: number): void {
    let from = 0;
    let end = 0;
    if (i >= 0) {
      from = this.at[i] as number;
      end = this.to[i] as number;
    }
    const mark = 0x1f ^ ((end - from + 1) << 8);
    let a = Math.imul(this.h1 ^ mark, 0x01000193);
    let b = Math.imul(this.h2 ^ mark, 0x5bd1e995);
    const bytes = this.bytes;
    let k = from;
    for (; k + 4 <= end; k += 4) {
      const w =
        (bytes[k] as number) |
        ((bytes[k + 1] as number) << 8) |
        ((bytes[k + 2] as number) << 16) |
        ((bytes[k + 3] as number) << 24);
      a = Math.imul(a ^ w, 0x01000193);
      a ^= a >>> 15;
      b = Math.imul(b ^ w, 0x5bd1e995);
      b ^= b >>> 13;
    }
    for (; k < end; k++) {
      const ch = bytes[k] as number;
      a = Math.imul(a ^ ch, 0x01000193);
      b = Math.imul(b ^ ch, 0x5bd1e995);
    }
    this.h1 = a ^ (a >>> 16);
    this.h2 = b;
  }
}
