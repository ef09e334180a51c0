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

/** The literal of a pattern of one literal run, with its shape, or undefined for any other pattern. */
function shapeOf(p: Pattern): { shape: 'eq' | 'prefix' | 'suffix' | 'infix'; lit: string } | undefined {
  const [a, b, c] = p;
  const lit = (x: Pattern[number] | undefined): string | undefined =>
    x !== undefined && typeof x !== 'string' ? x.lit : undefined;
  if (p.length === 1 && lit(a) !== undefined) return { shape: 'eq', lit: lit(a)! };
  if (p.length === 2 && lit(a) !== undefined && b === '*') return { shape: 'prefix', lit: lit(a)! };
  if (p.length === 2 && a === '*' && lit(b) !== undefined) return { shape: 'suffix', lit: lit(b)! };
  if (p.length === 3 && a === '*' && c === '*' && lit(b) !== undefined)
    return { shape: 'infix', lit: lit(b)! };
  return undefined;
}

/**
 * One test for a list of patterns (OR), as SigmaHQ writes them (`Image|endswith: [...]`, `CommandLine|contains:
 * [...]`): exact values go in a set, the other literal shapes are checked in plain loops, so a value costs no
 * call per pattern.
 */
export function compileStringSet(patterns: readonly Pattern[]): StringTest {
  if (patterns.length === 1) return compileStringTest(patterns[0]!);
  const eq = new Set<string>();
  const prefixes: string[] = [];
  const suffixes: string[] = [];
  const infixes: string[] = [];
  const others: StringTest[] = [];
  for (const p of patterns) {
    const s = shapeOf(p);
    if (s === undefined) others.push(compileStringTest(p));
    else if (s.shape === 'eq') eq.add(s.lit);
    else if (s.shape === 'prefix') prefixes.push(s.lit);
    else if (s.shape === 'suffix') suffixes.push(s.lit);
    else infixes.push(s.lit);
  }
  return (s) => {
    if (eq.size > 0 && eq.has(s)) return true;
    for (let i = 0; i < infixes.length; i++) if (s.includes(infixes[i]!)) return true;
    for (let i = 0; i < suffixes.length; i++) if (s.endsWith(suffixes[i]!)) return true;
    for (let i = 0; i < prefixes.length; i++) if (s.startsWith(prefixes[i]!)) return true;
    for (let i = 0; i < others.length; i++) if (others[i]!(s)) return true;
    return false;
  };
}
