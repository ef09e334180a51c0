/**
 * RPM version order (rpmvercmp, as documented for rpm 4.15+): strings are split into runs of digits and runs of
 * letters, everything else only separates runs; digit runs compare as numbers, letter runs as bytes, and a digit
 * run is newer than a letter run. `~` sorts before anything, even the end (1.0~rc1 < 1.0); `^` sorts after the end
 * but before anything else (1.0 < 1.0^git1 < 1.0.1). Written from the documented rules.
 */
const isDigit = (c: string) => c >= '0' && c <= '9';
const isAlpha = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isAlnum = (c: string) => isDigit(c) || isAlpha(c);

export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a[i]!) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isAlnum(b[j]!) && b[j] !== '~' && b[j] !== '^') j++;
    const ca = a[i] ?? '';
    const cb = b[j] ?? '';
    if (ca === '~' || cb === '~') {
      if (ca !== '~') return 1;
      if (cb !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (ca === '^' || cb === '^') {
      if (ca === '') return -1;
      if (cb === '') return 1;
      if (ca !== '^') return 1;
      if (cb !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (ca === '' || cb === '') break;
    const numeric = isDigit(ca);
    const take = numeric ? isDigit : isAlpha;
    const si = i;
    const sj = j;
    while (i < a.length && take(a[i]!)) i++;
    while (j < b.length && take(b[j]!)) j++;
    let x = a.slice(si, i);
    let y = b.slice(sj, j);
    // Different run types: the digit run is newer.
    if (y.length === 0) return numeric ? 1 : -1;
    if (numeric) {
      x = x.replace(/^0+/, '');
      y = y.replace(/^0+/, '');
      if (x.length !== y.length) return x.length > y.length ? 1 : -1;
    }
    if (x !== y) return x < y ? -1 : 1;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

export interface Evr {
  epoch: number;
  version: string;
  release: string | undefined;
}

/** `[epoch:]version[-release]`; the last hyphen starts the release (versions may not contain one). */
export function parseEvr(s: string): Evr {
  const m = /^(?:(\d+):)?([^:]*)$/.exec(s.trim());
  if (!m || m[2] === '') throw new Error(`not an RPM version: ${JSON.stringify(s)}`);
  const rest = m[2]!;
  const dash = rest.lastIndexOf('-');
  return {
    epoch: m[1] === undefined ? 0 : Number(m[1]),
    version: dash < 0 ? rest : rest.slice(0, dash),
    release: dash < 0 ? undefined : rest.slice(dash + 1),
  };
}

/** Epoch, then version, then release; a missing release matches any (an advisory may name only the version). */
export function compareRpmVersions(a: string, b: string): number {
  const x = parseEvr(a);
  const y = parseEvr(b);
  if (x.epoch !== y.epoch) return x.epoch < y.epoch ? -1 : 1;
  const v = rpmvercmp(x.version, y.version);
  if (v !== 0 || x.release === undefined || y.release === undefined) return v;
  return rpmvercmp(x.release, y.release);
}
