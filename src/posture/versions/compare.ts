import semver from 'semver';
import { compareApkVersions } from './apk.js';
import { compareDebVersions } from './deb.js';
import { compareRpmVersions } from './rpm.js';

/** A version order for one ecosystem; throws on a version it cannot read. */
export type VersionCompare = (a: string, b: string) => number;

/** SemVer 2.0 precedence (build metadata ignored); a leading "v" is tolerated since tags often carry one. */
export const compareSemver: VersionCompare = (a, b) => {
  const pa = semver.parse(a.replace(/^v/, ''));
  const pb = semver.parse(b.replace(/^v/, ''));
  if (!pa) throw new Error(`not a SemVer version: ${JSON.stringify(a)}`);
  if (!pb) throw new Error(`not a SemVer version: ${JSON.stringify(b)}`);
  return pa.compare(pb);
};

/**
 * Dotted numbers with qualifiers (Maven, PyPI and tarball versions like 7.4.17 or 2.0-beta9): numeric runs compare
 * as numbers, a pre-release qualifier (alpha, beta, rc, milestone, snapshot) sorts before the bare release.
 */
const PRE = /^(a|alpha|b|beta|m|milestone|rc|cr|pre|preview|snapshot|dev)/i;
export const compareGeneric: VersionCompare = (a, b) => {
  const tok = (v: string) => v.toLowerCase().match(/\d+|[a-z]+/g) ?? [];
  const ta = tok(a);
  const tb = tok(b);
  for (let i = 0; i < Math.max(ta.length, tb.length); i++) {
    const x = ta[i];
    const y = tb[i];
    if (x === y) continue;
    if (x === undefined) return y !== undefined && PRE.test(y) ? 1 : -1;
    if (y === undefined) return PRE.test(x) ? -1 : 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) return Number(x) - Number(y) || x.length - y.length;
    if (nx) return 1;
    if (ny) return -1;
    return x < y ? -1 : 1;
  }
  return 0;
};

/** OSV ecosystems whose packages are RPMs ("Red Hat:enterprise_linux:9::appstream", "Rocky Linux:9" ...). */
const RPM_ECOSYSTEMS = new Set([
  'Red Hat',
  'Rocky Linux',
  'AlmaLinux',
  'openSUSE',
  'SUSE',
  'Mageia',
  'openEuler',
]);

/** The order OSV's ECOSYSTEM ranges use for an ecosystem ("Debian:12" -> Debian). */
export function compareFor(ecosystem: string, rangeType: string): VersionCompare {
  if (rangeType === 'SEMVER') return compareSemver;
  const base = ecosystem.split(':')[0]!;
  if (base === 'Debian' || base === 'Ubuntu') return compareDebVersions;
  if (RPM_ECOSYSTEMS.has(base)) return compareRpmVersions;
  if (base === 'Alpine') return compareApkVersions;
  if (base === 'npm' || base === 'Go' || base === 'crates.io') return compareSemver;
  return compareGeneric;
}
