import { describe, expect, it } from 'vitest';
import { compareFor, compareGeneric, compareSemver } from './compare.js';
import { fixedAbove, includedInRanges, isVulnerable, type OsvRange } from './osv-range.js';

const semverRanges = (events: OsvRange['events']): OsvRange[] => [{ type: 'SEMVER', events }];
const inc = (v: string, r: OsvRange[]) => includedInRanges(v, r, compareSemver);

/** The examples of the OSV schema's "Examples" section, with versions on both sides of every bound. */
describe('OSV range evaluation: the schema examples', () => {
  it('unfixed: every version is affected', () => {
    const r = semverRanges([{ introduced: '0' }]);
    for (const v of ['0.0.1', '1.0.0', '99.0.0', '1.0.0-alpha']) expect(inc(v, r)).toBe(true);
  });

  it('fixed: everything before 1.0.2', () => {
    const r = semverRanges([{ introduced: '0' }, { fixed: '1.0.2' }]);
    expect(inc('1.0.1', r)).toBe(true);
    expect(inc('1.0.2-rc.1', r)).toBe(true);
    expect(inc('1.0.2', r)).toBe(false);
    expect(inc('2.0.0', r)).toBe(false);
  });

  it('multiple ranges: [1.0.0, 1.0.2) and [3.0.0, 3.2.5)', () => {
    const r = semverRanges([
      { introduced: '1.0.0' },
      { fixed: '1.0.2' },
      { introduced: '3.0.0' },
      { fixed: '3.2.5' },
    ]);
    const want: [string, boolean][] = [
      ['0.9.9', false],
      ['1.0.0', true],
      ['1.0.1', true],
      ['1.0.2', false],
      ['2.5.0', false],
      ['3.0.0', true],
      ['3.2.4', true],
      ['3.2.5', false],
      ['4.0.0', false],
    ];
    for (const [v, a] of want) expect([v, inc(v, r)]).toEqual([v, a]);
    // Event order in the file does not matter: the algorithm sorts them.
    const shuffled = semverRanges([
      { fixed: '3.2.5' },
      { introduced: '1.0.0' },
      { introduced: '3.0.0' },
      { fixed: '1.0.2' },
    ]);
    for (const [v, a] of want) expect(inc(v, shuffled)).toBe(a);
  });

  it('last_affected 2.1.214 includes it; fixed 2.1.214 excludes it', () => {
    const last: OsvRange[] = [
      { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { last_affected: '2.1.214' }] },
    ];
    expect(includedInRanges('2.1.214', last, compareGeneric)).toBe(true);
    expect(includedInRanges('2.1.215', last, compareGeneric)).toBe(false);
    const fixed = semverRanges([{ introduced: '0' }, { fixed: '2.1.214' }]);
    expect(inc('2.1.213', fixed)).toBe(true);
    expect(inc('2.1.214', fixed)).toBe(false);
  });

  it('limit events bound the search; "*" is infinity', () => {
    const r = semverRanges([{ introduced: '1.0.0' }, { limit: '2.0.0' }]);
    expect(inc('1.5.0', r)).toBe(true);
    expect(inc('2.0.0', r)).toBe(false);
    expect(inc('1.5.0', semverRanges([{ introduced: '1.0.0' }, { limit: '*' }]))).toBe(true);
  });

  it('GIT ranges are not evaluated, enumerated versions are', () => {
    const git: OsvRange[] = [{ type: 'GIT', events: [{ introduced: 'abc' }, { fixed: 'def' }] }];
    expect(isVulnerable('1.0.0', { ranges: git }, compareSemver)).toBe(false);
    expect(isVulnerable('1.0.0', { ranges: git, versions: ['1.0.0'] }, compareSemver)).toBe(true);
  });
});

describe('ECOSYSTEM ranges use the ecosystem order', () => {
  it('Debian: a +deb12uN stable update fixes what the release had', () => {
    const glibc: OsvRange[] = [
      { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.36-9+deb12u3' }] },
    ];
    const cmp = compareFor('Debian:12', 'ECOSYSTEM');
    expect(includedInRanges('2.36-9+deb12u2', glibc, cmp)).toBe(true);
    expect(includedInRanges('2.36-9', glibc, cmp)).toBe(true);
    expect(includedInRanges('2.36-9+deb12u3', glibc, cmp)).toBe(false);
    expect(includedInRanges('2.36-9+deb12u13', glibc, cmp)).toBe(false);
    expect(fixedAbove('2.36-9+deb12u2', glibc, cmp)).toBe('2.36-9+deb12u3');
  });

  it('Maven-style qualifiers: 2.0-beta9 < 2.0 < 2.3.1 < 2.15.0', () => {
    const log4j: OsvRange[] = [
      {
        type: 'ECOSYSTEM',
        events: [
          { introduced: '2.0-beta9' },
          { fixed: '2.3.1' },
          { introduced: '2.4' },
          { fixed: '2.12.2' },
          { introduced: '2.13.0' },
          { fixed: '2.15.0' },
        ],
      },
    ];
    const want: [string, boolean][] = [
      ['2.0-beta8', false],
      ['2.0-beta9', true],
      ['2.0', true],
      ['2.3.1', false],
      ['2.11.1', true],
      ['2.12.2', false],
      ['2.14.1', true],
      ['2.15.0', false],
      ['2.17.1', false],
    ];
    for (const [v, a] of want) expect([v, includedInRanges(v, log4j, compareGeneric)]).toEqual([v, a]);
  });
});
