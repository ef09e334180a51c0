/**
 * Sigma string values: `*` and `?` wildcards with backslash escapes, per the specification's escape table:
 * `\*` and `\?` are literal, `\\` is one backslash, and a backslash before anything else stays a backslash.
 */

export type PatternPart = { readonly lit: string } | '*' | '?';

/** A parsed value: literal runs and wildcards, adjacent literals merged and repeated `*` collapsed. */
export type Pattern = readonly PatternPart[];

export function parseWildcards(value: string): Pattern {
  const parts: PatternPart[] = [];
  let lit = '';
  const flush = (): void => {
    if (lit !== '') parts.push({ lit });
    lit = '';
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\') {
      const next = value[i + 1];
      if (next === '*' || next === '?' || next === '\\') {
        lit += next;
        i++;
      } else lit += '\\';
    } else if (c === '*') {
      flush();
      if (parts[parts.length - 1] !== '*') parts.push('*');
    } else if (c === '?') {
      flush();
      parts.push('?');
    } else lit += c;
  }
  flush();
  return parts;
}

/** A value taken literally (after transforms such as base64): no wildcards. */
export function literalPattern(value: string): Pattern {
  return value === '' ? [] : [{ lit: value }];
}

export function hasWildcards(p: Pattern): boolean {
  return p.some((x) => typeof x === 'string');
}

/** Wrap for contains/startswith/endswith: add the `*` the modifier implies, without doubling an existing one. */
export function wrapPattern(p: Pattern, leading: boolean, trailing: boolean): Pattern {
  const out = [...p];
  if (leading && out[0] !== '*') out.unshift('*');
  if (trailing && out[out.length - 1] !== '*') out.push('*');
  return out;
}

export function mapLiterals(p: Pattern, f: (s: string) => string): Pattern {
  return p.map((x) => (typeof x === 'string' ? x : { lit: f(x.lit) }));
}

/** The longest literal run: the best needle for a literal prefilter (empty when the pattern has none). */
export function longestLiteral(p: Pattern): string {
  let best = '';
  for (const x of p) if (typeof x !== 'string' && x.lit.length > best.length) best = x.lit;
  return best;
}

/** Matches a segment (literals and `?`) at position `at` of `s`. */
function segmentAt(s: string, at: number, seg: readonly PatternPart[]): boolean {
  let i = at;
  for (const x of seg) {
    if (x === '?') {
      if (i >= s.length) return false;
      i++;
    } else if (typeof x !== 'string') {
      if (!s.startsWith(x.lit, i)) return false;
      i += x.lit.length;
    }
  }
  return true;
}

function segmentLength(seg: readonly PatternPart[]): number {
  let n = 0;
  for (const x of seg) n += x === '?' ? 1 : typeof x === 'string' ? 0 : x.lit.length;
  return n;
}

/** Leftmost position >= from where the segment matches, or -1. */
function findSegment(s: string, from: number, seg: readonly PatternPart[]): number {
  const first = seg[0];
  if (first !== undefined && typeof first !== 'string') {
    for (let i = s.indexOf(first.lit, from); i !== -1; i = s.indexOf(first.lit, i + 1))
      if (segmentAt(s, i, seg)) return i;
    return -1;
  }
  const len = segmentLength(seg);
  for (let i = from; i + len <= s.length; i++) if (segmentAt(s, i, seg)) return i;
  return -1;
}

/**
 * A glob matcher. Segments between `*` are matched greedily leftmost, which is exact for `*`-separated segments and
 * costs O(text × pattern) at worst, never exponential.
 */
export function compileGlob(p: Pattern): (s: string) => boolean {
  const segs: PatternPart[][] = [[]];
  for (const x of p) {
    if (x === '*') segs.push([]);
    else segs[segs.length - 1]!.push(x);
  }
  if (segs.length === 1) {
    const only = segs[0]!;
    const len = segmentLength(only);
    return (s) => s.length === len && segmentAt(s, 0, only);
  }
  const head = segs[0]!;
  const tail = segs[segs.length - 1]!;
  const middle = segs.slice(1, -1).filter((s) => s.length > 0);
  const headLen = segmentLength(head);
  const tailLen = segmentLength(tail);
  return (s) => {
    if (s.length < headLen + tailLen) return false;
    if (!segmentAt(s, 0, head)) return false;
    const tailAt = s.length - tailLen;
    if (!segmentAt(s, tailAt, tail)) return false;
    let pos = headLen;
    for (const seg of middle) {
      const at = findSegment(s, pos, seg);
      if (at === -1 || at + segmentLength(seg) > tailAt) return false;
      pos = at + segmentLength(seg);
    }
    return true;
  };
}
