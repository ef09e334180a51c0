import { describe, expect, it } from 'vitest';
import { compileRegex, releaseRegexCaches } from './regex.js';

const flags = { i: false, m: false, s: false };

describe('rule regexes', () => {
  it('refuse a bad pattern at load time even though the program is built on first use', () => {
    expect(() => compileRegex('a(b', flags, 7)).toThrow(/invalid regular expression/);
    expect(() => compileRegex('(?<=x)y', flags)).toThrow(/invalid regular expression/);
  });

  it('match the same after their caches are released', () => {
    const re = compileRegex('stratum\\+tcp://[a-z.]+:\\d+', { ...flags, i: true });
    const inputs = ['./x -o STRATUM+TCP://pool.example:3333', 'stratum+tcp://:1', 'curl http://example'];
    const before = inputs.map(re);
    releaseRegexCaches();
    expect(inputs.map(re)).toEqual(before);
    expect(before).toEqual([true, false, false]);
  });
});
