import { describe, expect, it } from 'vitest';
import { isoTime, methodCounts } from './flow-report.js';

describe('isoTime', () => {
  it('writes what Date#toISOString writes, for whole and fractional milliseconds across days and years', () => {
    const samples = [
      0, 0.4, 0.999, 999, 1000, 59_999.9, 86_399_999, 86_400_000, 951_782_400_000, 1_700_000_000_123.456,
      1_704_067_199_999, 1_704_067_200_000, 4_102_444_800_000, 253_402_300_799_999,
    ];
    // A walk with a stride that is not a divisor of any unit, so every field takes many values.
    for (let t = 1_600_000_000_000; t < 1_900_000_000_000; t += 7_777_777_777.777) samples.push(t);
    for (const t of samples) expect(isoTime(t), String(t)).toBe(new Date(t).toISOString());
  });

  it('gives each time its own text when times go back and forth within and across seconds', () => {
    const base = 1_700_000_000_000;
    const offsets = [0, 999.9, 1, 1000, 999, -1, -1000, -1001, 500, 1500, 1499.5, 1000, 0, 86_400_000, 999];
    for (const o of offsets) expect(isoTime(base + o), String(o)).toBe(new Date(base + o).toISOString());
  });

  it('shows times outside the four-digit-year range as Date does, and impossible ones as the epoch', () => {
    expect(isoTime(253_402_300_800_000)).toBe(new Date(253_402_300_800_000).toISOString());
    expect(isoTime(8.64e15)).toBe(new Date(8.64e15).toISOString());
    for (const bad of [-1, Number.NaN, 8.64e15 + 1, Number.POSITIVE_INFINITY])
      expect(isoTime(bad)).toBe('1970-01-01T00:00:00.000Z');
  });
});

describe('methodCounts', () => {
  it('gives what Object.fromEntries gives, also for method names that are object internals', () => {
    const m = new Map<string, number>([
      ['mining.notify', 3],
      ['__proto__', 2],
      ['constructor', 1],
      ['7', 4],
      ['toString', 5],
    ]);
    const counts = methodCounts(m);
    expect(counts).toEqual(Object.fromEntries(m));
    expect(JSON.stringify(counts)).toBe(JSON.stringify(Object.fromEntries(m)));
    expect(Object.getPrototypeOf(counts)).toBe(Object.prototype);
  });
});
