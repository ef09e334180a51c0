import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareApkVersions, parseApkVersion } from './apk.js';
import { compareFor } from './compare.js';
import { compareRpmVersions, rpmvercmp } from './rpm.js';

const sign = (n: number) => Math.sign(n);

/** [a, b, expected sign of rpmvercmp(a, b)]. */
const RPM_CASES: [string, string, -1 | 0 | 1][] = [
  ['1.0', '1.0', 0],
  ['1.0', '2.0', -1],
  ['2.0.1', '2.0', 1],
  ['2.0', '2.0.1a', -1],
  ['5.5p1', '5.5p10', -1],
  ['5.5p10', '5.5p2', 1],
  ['10xyz', '10.1xyz', -1],
  ['xyz10', 'xyz10.1', -1],
  ['1.0aa', '1.0a', 1],
  ['1.0a', '1.0', 1],
  ['1.0', '1.0a', -1],
  // A digit run is newer than a letter run; separators only separate.
  ['1.0.1', '1.0a', 1],
  ['1_0', '1.0', 0],
  ['1..0', '1.0', 0],
  ['1.010', '1.10', 0],
  ['1.0001', '1.1', 0],
  ['2a', '2.0', -1],
  ['6.0.rc1', '6.0', 1],
  ['a+', 'a_', 0],
  // Tilde: before everything, even the end.
  ['1.0~rc1', '1.0', -1],
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~rc1~git123', '1.0~rc1', -1],
  ['1.0~', '1.0', -1],
  ['1.0~~', '1.0~', -1],
  ['~', '', -1],
  // Caret: after the end, before anything else.
  ['1.0^', '1.0', 1],
  ['1.0^git1', '1.0', 1],
  ['1.0^git1', '1.01', -1],
  ['1.0^git1', '1.0.1', -1],
  ['1.0^20160101', '1.0^20160102', -1],
  ['1.0^git1~pre', '1.0^git1', -1],
  ['1.0~rc1^git1', '1.0~rc1', 1],
  ['1.0^git1', '1.0~rc1', 1],
];

/** Full EVR strings as advisories and the rpm database spell them. */
const EVR_CASES: [string, string, -1 | 0 | 1][] = [
  ['1:3.0.7-18.el9_2', '3.0.7-27.el9', 1],
  ['0:3.0.7-18.el9_2', '3.0.7-18.el9_2', 0],
  ['3.0.7-18.el9_2', '3.0.7-18.el9_2.1', -1],
  ['2.34-60.el9', '2.34-60.el9_2.7', -1],
  ['4.18.0-477.10.1.el8_8', '4.18.0-477.13.1.el8_8', -1],
  ['1.9.5p2-9.el9', '1.9.5p2-10.el9', -1],
  ['2023c-1.el9~beta1', '2023c-1.el9', -1],
  ['7.76.1-26.el9_3.2', '7.76.1-26.el9_3.10', -1],
  // An advisory naming only the version matches every release of it.
  ['2.9.13', '2.9.13-3.el9', 0],
];

describe('RPM version order (rpmvercmp, epoch:version-release)', () => {
  for (const [a, b, want] of RPM_CASES)
    it(`${a || "''"} ${want < 0 ? '<' : want > 0 ? '>' : '='} ${b || "''"}`, () => {
      expect(sign(rpmvercmp(a, b))).toBe(want);
      expect(sign(rpmvercmp(b, a))).toBe(-want || 0);
    });
  for (const [a, b, want] of EVR_CASES)
    it(`EVR ${a} ${want < 0 ? '<' : want > 0 ? '>' : '='} ${b}`, () => {
      expect(sign(compareRpmVersions(a, b))).toBe(want);
      expect(sign(compareRpmVersions(b, a))).toBe(-want || 0);
    });

  it.skipIf(!existsSync('/usr/bin/rpm') && process.env.MINEWARDEN_REQUIRE_SERVICES !== '1')(
    "agrees with rpm's own rpm.vercmp on every case",
    () => {
      // rpm's Lua print() does not end lines, so each result carries its own separator; rpm.vercmp refuses ''.
      const cases = RPM_CASES.filter(([a, b]) => a !== '' && b !== '');
      const lua = cases.map(
        ([a, b]) => `print(rpm.vercmp(${JSON.stringify(a)}, ${JSON.stringify(b)}) .. ",")`,
      );
      const r = spawnSync('/usr/bin/rpm', ['--eval', `%{lua: ${lua.join(' ')}}`], { encoding: 'utf8' });
      const theirs = r.stdout.trim().split(',').slice(0, -1).map(Number);
      expect(r.stderr).toBe('');
      expect(cases.map(([a, b]) => [a, b, sign(rpmvercmp(a, b))])).toEqual(
        cases.map(([a, b], i) => [a, b, theirs[i]]),
      );
    },
  );

  it('rejects what is not a version', () => {
    expect(() => compareRpmVersions('1.0', '')).toThrow(/not an RPM version/);
    expect(() => compareRpmVersions('x:1.0', '1.0')).toThrow(/not an RPM version/);
  });
});

/** [a, b, expected sign], from apk-tools' documented rules and Alpine's package policy. */
const APK_CASES: [string, string, -1 | 0 | 1][] = [
  ['1.0', '1.0', 0],
  ['1.0-r0', '1.0-r1', -1],
  ['1.0-r10', '1.0-r9', 1],
  ['1.0-r0', '1.0', 1],
  ['1.2.1', '1.2', 1],
  ['1.2.10', '1.2.9', 1],
  ['3.0.8-r0', '3.0.10-r0', -1],
  ['1.1.1t-r0', '1.1.1u-r0', -1],
  ['1.1.1t-r2', '1.1.1t-r10', -1],
  ['1.2a', '1.2', 1],
  ['1.2a', '1.2.1', -1],
  ['1.2a', '1.2b', -1],
  // Pre-release suffixes sort before the release, post-release ones after.
  ['1.0_alpha1', '1.0_beta1', -1],
  ['1.0_beta2', '1.0_pre1', -1],
  ['1.0_pre1', '1.0_rc1', -1],
  ['1.0_rc1', '1.0', -1],
  ['1.0_rc1-r5', '1.0-r0', -1],
  ['1.0', '1.0_cvs1', -1],
  ['1.0_cvs1', '1.0_svn1', -1],
  ['1.0_svn1', '1.0_git20230101', -1],
  ['1.0_git20230101', '1.0_hg1', -1],
  ['1.0_hg1', '1.0_p1', -1],
  ['1.0_p1', '1.0_p2', -1],
  ['1.0_p9', '1.0_p10', -1],
  ['1.0_rc', '1.0_rc0', -1],
  ['1.0_rc1', '1.0_rc1_p1', -1],
  ['1.2_p1', '1.2.1', -1],
  ['1.2_rc1', '1.2a', -1],
  // Leading zeros after the first component rank below plain numbers.
  ['1.01', '1.1', -1],
  ['1.001', '1.01', -1],
  ['1.010', '1.01', 1],
  ['2023.01.01', '2023.1', -1],
  ['010', '10', 0],
  // A commit hash is a label, not part of the order.
  ['1.0~abc123-r0', '1.0~def456-r0', 0],
];

describe('Alpine package version order (apk)', () => {
  for (const [a, b, want] of APK_CASES)
    it(`${a} ${want < 0 ? '<' : want > 0 ? '>' : '='} ${b}`, () => {
      expect(sign(compareApkVersions(a, b))).toBe(want);
      expect(sign(compareApkVersions(b, a))).toBe(-want || 0);
    });

  it('sorts a release history', () => {
    const list = ['1.0-r1', '1.0_rc2-r0', '1.0_p1-r0', '0.9.9-r3', '1.0.1-r0', '1.0-r0', '1.0_beta1-r0'];
    expect([...list].sort(compareApkVersions)).toEqual([
      '0.9.9-r3',
      '1.0_beta1-r0',
      '1.0_rc2-r0',
      '1.0-r0',
      '1.0-r1',
      '1.0_p1-r0',
      '1.0.1-r0',
    ]);
  });

  it('rejects what is not a version', () => {
    for (const bad of ['', 'a1.0', '1.0-r', '1.0_foo1', '1.0-rX', '1..0'])
      expect(() => parseApkVersion(bad)).toThrow();
  });
});

describe('OSV ecosystems of rpm and apk distributions use their order', () => {
  it('Red Hat, Rocky Linux, AlmaLinux compare as RPM; Alpine as apk', () => {
    for (const eco of ['Red Hat:enterprise_linux:9::baseos', 'Rocky Linux:9', 'AlmaLinux:8'])
      expect(sign(compareFor(eco, 'ECOSYSTEM')('1.0~rc1-1.el9', '1.0-1.el9'))).toBe(-1);
    expect(sign(compareFor('Alpine:v3.18', 'ECOSYSTEM')('1.0_rc1-r0', '1.0-r0'))).toBe(-1);
  });
});
