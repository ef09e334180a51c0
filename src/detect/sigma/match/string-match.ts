import { compileGlob, type Pattern } from './wildcard.js';

/** A compiled string test. Case folding is the caller's job: it passes lowercased text for case-insensitive tests. */
export type StringTest = (s: string) => boolean;

/** Picks the cheapest exact test for the pattern's shape; general globs fall back to the segment matcher. */
export function compileStringTest(p: Pattern): StringTest {
  const [a, b, c] = p;
  if (p.length === 0) return (s) => s === '';
  if (p.length === 1) {
    if (a === '*') return () => true;
    if (a !== undefined && typeof a !== 'string') {
      const lit = a.lit;
      return (s) => s === lit;
    }
  }
  if (p.length === 2) {
    if (a !== undefined && typeof a !== 'string' && b === '*') {
      const lit = a.lit;
      return (s) => s.startsWith(lit);
    }
    if (a === '*' && b !== undefined && typeof b !== 'string') {
      const lit = b.lit;
      return (s) => s.endsWith(lit);
    }
  }
  if (p.length === 3 && a === '*' && c === '*' && b !== undefined && typeof b !== 'string') {
    const lit = b.lit;
    return (s) => s.includes(lit);
  }
  return compileGlob(p);
}
