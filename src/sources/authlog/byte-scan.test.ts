import { describe, expect, it } from 'vitest';
import { scanBytes } from './byte-scan.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: the definition being matched.
const BINARY_RE = /[\u0000-\u0008\u000e-\u001c\u001e\u001f]/;

/** The byte-at-a-time answer, from BINARY_RE on the Latin-1 reading of the bytes. */
function expected(bytes: Uint8Array): number {
  const s = Buffer.from(bytes).toString('latin1');
  if (BINARY_RE.test(s)) return -1;
  return /[\u0080-\u00ff]/.test(s) ? 1 : 0;
}

describe('scanBytes', () => {
  it('agrees with BINARY_RE and an ASCII test at every offset, length and byte', () => {
    let seed = 3;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    // Mostly printable text with a rare odd byte, so every word position sees control, high and boundary bytes.
    const buf = Buffer.alloc(1 << 16);
    for (let i = 0; i < buf.length; i++) {
      const r = rnd();
      buf[i] =
        r < 0.004
          ? Math.floor(rnd() * 32)
          : r < 0.008
            ? 128 + Math.floor(rnd() * 128)
            : 32 + Math.floor(rnd() * 95);
    }
    const kinds = [0, 0, 0];
    for (let n = 0; n < 20_000; n++) {
      const from = Math.floor(rnd() * (buf.length - 300));
      const to = from + Math.floor(rnd() * 300);
      const got = scanBytes(buf, from, to);
      expect(got, `${from}-${to}`).toBe(expected(buf.subarray(from, to)));
      kinds[got + 1] = (kinds[got + 1] ?? 0) + 1;
    }
    expect(Math.min(...kinds)).toBeGreaterThan(1000);
  });

  it('works on a view that does not start on a word boundary', () => {
    const whole = Buffer.from(`xyz${'a'.repeat(40)}\u0001${'b'.repeat(40)}`, 'latin1');
    const odd = whole.subarray(3);
    expect(scanBytes(odd, 0, 40)).toBe(0);
    expect(scanBytes(odd, 0, 41)).toBe(-1);
    expect(scanBytes(odd, 41, odd.length)).toBe(0);
    const high = Buffer.from(`${'a'.repeat(13)}é${'a'.repeat(13)}`, 'utf8').subarray(1);
    expect(scanBytes(high, 0, high.length)).toBe(1);
    expect(scanBytes(high, 0, 12)).toBe(0);
  });
});
