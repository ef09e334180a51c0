/**
 * Debian version comparison per deb-version(7) / dpkg's verrevcmp: [epoch:]upstream[-revision]. Core product:
 * a wrong answer here is a missed or invented vulnerability, so it follows dpkg's algorithm exactly.
 */
export interface DebVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

const UPSTREAM_OK = /^[0-9][A-Za-z0-9.+~:-]*$/;
const REVISION_OK = /^[A-Za-z0-9.+~]*$/;

/** Parses leniently like dpkg: a version without a leading digit is accepted (dpkg warns), empty is not. */
export function parseDebVersion(v: string): DebVersion | undefined {
  const s = v.trim();
  if (!s || /\s/.test(s)) return undefined;
  let epoch = 0;
  let rest = s;
  const colon = s.indexOf(':');
  if (colon >= 0) {
    const e = s.slice(0, colon);
    if (!/^\d+$/.test(e)) return undefined;
    epoch = Number(e);
    rest = s.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  const upstream = dash >= 0 ? rest.slice(0, dash) : rest;
  const revision = dash >= 0 ? rest.slice(dash + 1) : '';
  if (!upstream) return undefined;
  if (!REVISION_OK.test(revision)) return undefined;
  if (!/^[A-Za-z0-9.+~:-]+$/.test(upstream)) return undefined;
  return { epoch, upstream, revision };
}

export function isStrictDebVersion(v: string): boolean {
  const p = parseDebVersion(v);
  return p !== undefined && UPSTREAM_OK.test(p.upstream);
}

/** dpkg's order of a character in the non-digit part: ~ before end, end before letters, letters before others. */
function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[0-9]/.test(c)) return 0;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !/[0-9]/.test(a[i]!)) || (j < b.length && !/[0-9]/.test(b[j]!))) {
      const ac = order(i < a.length ? a[i] : undefined);
      const bc = order(j < b.length ? b[j] : undefined);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (i < a.length && /[0-9]/.test(a[i]!) && j < b.length && /[0-9]/.test(b[j]!)) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && /[0-9]/.test(a[i]!)) return 1;
    if (j < b.length && /[0-9]/.test(b[j]!)) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

/** Negative, zero or positive like a sort comparator. Unparseable versions throw: callers decide what that means. */
export function compareDebVersions(a: string, b: string): number {
  const pa = parseDebVersion(a);
  const pb = parseDebVersion(b);
  if (!pa) throw new Error(`not a Debian version: ${JSON.stringify(a)}`);
  if (!pb) throw new Error(`not a Debian version: ${JSON.stringify(b)}`);
  if (pa.epoch !== pb.epoch) return pa.epoch - pb.epoch;
  const u = verrevcmp(pa.upstream, pb.upstream);
  if (u) return u;
  return verrevcmp(pa.revision, pb.revision);
}
