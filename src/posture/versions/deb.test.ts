import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareDebVersions, parseDebVersion } from './deb.js';

const sign = (n: number) => Math.sign(n);

/** [a, b, expected sign of compare(a, b)]: the cases that trip up naive comparisons. */
const CASES: [string, string, -1 | 0 | 1][] = [
  // Tilde sorts before everything, even the end of the string.
  ['1.0~rc1', '1.0', -1],
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~~', '1.0~', -1],
  ['1.0~~a', '1.0~~', 1],
  ['1.0~', '1.0', -1],
  ['2.15.0-1~deb11u1', '2.15.0-1', -1],
  ['7.0.15-1~deb12u10', '7.0.15-1', -1],
  // Epochs beat everything else.
  ['1:1.0', '2.0', 1],
  ['0:1.0', '1.0', 0],
  ['5:7.0.15-1~deb12u10', '7.0.15-1~deb12u10', 1],
  ['1:0', '0:99999', 1],
  // Stable updates: +debNuM sorts after the release and in numeric order.
  ['2.36-9+deb12u3', '2.36-9', 1],
  ['2.36-9+deb12u3', '2.36-9+deb12u10', -1],
  ['2.36-9+deb12u13', '2.36-9+deb12u3', 1],
  ['5:6.0.16-1+deb11u2', '5:6.0.16-1+deb11u1', 1],
  // Revisions compare with the same algorithm; no revision equals an empty one.
  ['1.0-1', '1.0-2', -1],
  ['1.0-10', '1.0-9', 1],
  ['1.0', '1.0-0', 0],
  ['1.0-1ubuntu1', '1.0-1', 1],
  // Letters sort before non-letters; digit runs are numbers (leading zeros ignored).
  ['1.0a', '1.0+', -1],
  ['1.0.0', '1.0', 1],
  ['1.002', '1.2', 0],
  ['1.10', '1.9', 1],
  ['1.0a', '1.0', 1],
  ['1.0-a', '1.0-A', 1],
  // Hyphens inside upstream: the last one starts the revision.
  ['1.2-3-4', '1.2-3-5', -1],
  ['1.2-3-4', '1.2-4', 1],
  ['9:1.0', '10:0.1', -1],
];

describe('Debian version comparison (deb-version(7))', () => {
  for (const [a, b, want] of CASES) {
    it(`${a} ${want < 0 ? '<' : want > 0 ? '>' : '='} ${b}`, () => {
      expect(sign(compareDebVersions(a, b))).toBe(want);
      expect(sign(compareDebVersions(b, a))).toBe(-want || 0);
    });
  }

  it.skipIf(!existsSync('/usr/bin/dpkg') && process.env.MINEWARDEN_REQUIRE_SERVICES !== '1')(
    'agrees with dpkg --compare-versions on every case',
    () => {
      for (const [a, b] of CASES) {
        const lt = spawnSync('/usr/bin/dpkg', ['--compare-versions', a, 'lt', b]).status === 0;
        const eq = spawnSync('/usr/bin/dpkg', ['--compare-versions', a, 'eq', b]).status === 0;
        expect([a, b, sign(compareDebVersions(a, b))]).toEqual([a, b, lt ? -1 : eq ? 0 : 1]);
      }
    },
  );

  it('sorts like dpkg', () => {
    const list = ['1.0', '1.0~beta', '1:0.9', '1.0-1', '1.0+b1', '1.0~~', '0.9'];
    expect([...list].sort(compareDebVersions)).toEqual([
      '0.9',
      '1.0~~',
      '1.0~beta',
      '1.0',
      '1.0-1',
      '1.0+b1',
      '1:0.9',
    ]);
  });

  it('rejects what is not a version', () => {
    for (const bad of ['', 'a b', 'x:1.0', '1.0-rev_1', ':1']) expect(parseDebVersion(bad)).toBeUndefined();
    expect(() => compareDebVersions('1.0', '')).toThrow(/not a Debian version/);
  });
});
