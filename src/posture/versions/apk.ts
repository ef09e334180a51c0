/**
 * Alpine package versions (apk-tools' version rules, as documented in apk-version and Alpine's package policy):
 * `digits{.digits}[letter]{_suffix[digits]}[~hash][-r<rev>]`. Numbers compare numerically, except that after the
 * first component leading zeros rank below any plain number, more zeros lower (1.001 < 1.01 < 1.1); a version with
 * more components is newer (1.2.1 > 1.2a > 1.2); one optional letter follows, then suffixes: pre-releases _alpha <
 * _beta < _pre < _rc sort before the bare release, post-releases _cvs < _svn < _git < _hg < _p after it; a written
 * number beats none (_rc0 > _rc); the package revision compares last, and -r0 is newer than no revision. Written from
 * the documented rules.
 */
const PRE_SUFFIXES = ['alpha', 'beta', 'pre', 'rc'];
const POST_SUFFIXES = ['cvs', 'svn', 'git', 'hg', 'p'];

interface ApkVersion {
  numbers: string[];
  letter: string;
  suffixes: { rank: number; n: number }[];
  revision: number;
}

function suffixRank(name: string): number {
  const pre = PRE_SUFFIXES.indexOf(name);
  if (pre >= 0) return pre - PRE_SUFFIXES.length; // -4..-1: before the release
  const post = POST_SUFFIXES.indexOf(name);
  if (post >= 0) return post + 1; // 1..5: after it
  return Number.NaN;
}

export function parseApkVersion(s: string): ApkVersion {
  const m = /^(\d+(?:\.\d+)*)([a-z]?)((?:_[a-z]+\d*)*)(?:~[0-9a-f]+)?(?:-r(\d+))?$/.exec(s.trim());
  if (!m) throw new Error(`not an Alpine version: ${JSON.stringify(s)}`);
  const suffixes: ApkVersion['suffixes'] = [];
  for (const part of m[3]!.split('_').slice(1)) {
    const sm = /^([a-z]+)(\d*)$/.exec(part)!;
    const rank = suffixRank(sm[1]!);
    if (Number.isNaN(rank)) throw new Error(`not an Alpine version (suffix _${sm[1]}): ${JSON.stringify(s)}`);
    suffixes.push({ rank, n: sm[2] ? Number(sm[2]) : -1 });
  }
  return {
    numbers: m[1]!.split('.'),
    letter: m[2]!,
    suffixes,
    revision: m[4] === undefined ? -1 : Number(m[4]),
  };
}

const cmpBig = (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1);

/** Past the first component, n leading zeros rank as -n, below every plain number; the digits after them follow. */
function compareNumber(x: string, y: string, first: boolean): number {
  if (first) return cmpBig(BigInt(x), BigInt(y));
  const key = (s: string): [bigint, bigint] => {
    const zeros = /^0*/.exec(s)![0].length;
    if (zeros === 0) return [BigInt(s), -1n];
    const rest = s.slice(zeros);
    return [BigInt(-zeros), rest === '' ? -1n : BigInt(rest)];
  };
  const [a1, a2] = key(x);
  const [b1, b2] = key(y);
  return cmpBig(a1, b1) || cmpBig(a2, b2);
}

export function compareApkVersions(a: string, b: string): number {
  const x = parseApkVersion(a);
  const y = parseApkVersion(b);
  const n = Math.max(x.numbers.length, y.numbers.length);
  for (let i = 0; i < n; i++) {
    const p = x.numbers[i];
    const q = y.numbers[i];
    // More components is newer, whatever follows the shorter one (1.2.1 > 1.2_p1 > 1.2).
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const c = compareNumber(p, q, i === 0);
    if (c !== 0) return c;
  }
  if (x.letter !== y.letter) return x.letter < y.letter ? -1 : 1;
  const m = Math.max(x.suffixes.length, y.suffixes.length);
  for (let i = 0; i < m; i++) {
    // A missing suffix is the bare release: after pre-releases, before post-releases.
    const s = x.suffixes[i] ?? { rank: 0, n: -1 };
    const t = y.suffixes[i] ?? { rank: 0, n: -1 };
    if (s.rank !== t.rank) return s.rank < t.rank ? -1 : 1;
    if (s.n !== t.n) return s.n < t.n ? -1 : 1;
  }
  return x.revision === y.revision ? 0 : x.revision < y.revision ? -1 : 1;
}
