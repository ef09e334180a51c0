import { describe, expect, it } from 'vitest';
import { addrText } from './decode.js';

describe('addrText (IPv4)', () => {
  it('writes each word as dotted octets, through cache hits, misses and slot collisions', () => {
    // Words as flows keep them (signed) and as they come unsigned; 0x1000 apart collide in the cache's slots.
    const words: number[] = [
      0,
      -1,
      0x7fffffff,
      0x80000000 | 0,
      0xc0a80001,
      0x0a000001,
      0x0a001001,
      0x0a002001,
    ];
    let x = 12345;
    for (let i = 0; i < 20_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) | 0;
      words.push(i % 3 === 0 ? x : x >>> 0);
    }
    for (const round of [0, 1])
      for (const w of round ? [...words].reverse() : words)
        expect(addrText(4, w, 0, 0, 0)).toBe(
          `${(w >>> 24) & 255}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`,
        );
  });
});
