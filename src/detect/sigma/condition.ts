import { LIMITS } from './limits.js';
import { SigmaRuleError, unsupported } from './types.js';

/** Condition syntax tree. `of` keeps its pattern unresolved; the compiler expands it against the identifiers. */
export type CondNode =
  | { readonly t: 'id'; readonly name: string }
  | { readonly t: 'not'; readonly x: CondNode }
  | { readonly t: 'and' | 'or'; readonly xs: readonly CondNode[] }
  | { readonly t: 'of'; readonly quant: 'all' | number; readonly pattern: string | null };

type Token = { readonly v: string; readonly pos: number };

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them', 'all', 'any', '(', ')']);

function tokenize(text: string, line: number): Token[] {
  const out: Token[] = [];
  const re = /\s*(\(|\)|\||[^\s()|]+)/gy;
  let m: RegExpExecArray | null;
  let last = 0;
  for (m = re.exec(text); m !== null; m = re.exec(text)) {
    out.push({ v: m[1]!, pos: m.index + m[0].length - m[1]!.length });
    last = re.lastIndex;
  }
  if (text.slice(last).trim() !== '')
    throw new SigmaRuleError(
      'MW_SIGMA_CONDITION',
      `cannot read condition near '${text.slice(last, last + 20)}'`,
      line,
    );
  return out;
}

/**
 * Parses a condition with the specification's precedence (or < and < not < `x of` < parentheses). Recursive
 * descent, with nesting capped at LIMITS.maxConditionDepth so a hostile 10,000-deep condition gets a clear error
 * instead of overflowing the stack.
 */
export function parseCondition(text: string, line: number): CondNode {
  if (text.length > LIMITS.maxConditionLength)
    throw new SigmaRuleError(
      'MW_SIGMA_TOO_LARGE',
      `condition is ${text.length} characters, over the ${LIMITS.maxConditionLength} limit`,
      line,
    );
  const toks = tokenize(text, line);
  if (toks.some((t) => t.v === '|'))
    throw unsupported("aggregation in condition ('| count() ...', Sigma 1.x; use a correlation rule)", line);
  if (toks.some((t) => t.v.toLowerCase() === 'near'))
    throw unsupported("'near' in condition (Sigma 1.x; use a temporal correlation rule)", line);
  let i = 0;
  const peek = (): string | undefined => toks[i]?.v.toLowerCase();
  const fail = (what: string): never => {
    const at = toks[i];
    const where = at ? `at '${at.v}' (column ${at.pos + 1})` : 'at end of condition';
    throw new SigmaRuleError('MW_SIGMA_CONDITION', `${what} ${where}: ${text.slice(0, 120)}`, line);
  };
  const deeper = (depth: number): number => {
    if (depth >= LIMITS.maxConditionDepth)
      throw new SigmaRuleError(
        'MW_SIGMA_CONDITION',
        `condition nests deeper than ${LIMITS.maxConditionDepth} levels`,
        line,
      );
    return depth + 1;
  };

  const parseOr = (depth: number): CondNode => {
    const xs = [parseAnd(depth)];
    while (peek() === 'or') {
      i++;
      xs.push(parseAnd(depth));
    }
    return xs.length === 1 ? xs[0]! : { t: 'or', xs };
  };
  const parseAnd = (depth: number): CondNode => {
    const xs = [parseNot(depth)];
    while (peek() === 'and') {
      i++;
      xs.push(parseNot(depth));
    }
    return xs.length === 1 ? xs[0]! : { t: 'and', xs };
  };
  const parseNot = (depth: number): CondNode => {
    if (peek() === 'not') {
      i++;
      return { t: 'not', x: parseNot(deeper(depth)) };
    }
    return parsePrimary(depth);
  };
  const parsePrimary = (depth: number): CondNode => {
    const tok = toks[i];
    if (!tok) return fail('expected an identifier');
    const v = tok.v.toLowerCase();
    if (v === '(') {
      i++;
      const inner = parseOr(deeper(depth));
      if (peek() !== ')') fail("expected ')'");
      i++;
      return inner;
    }
    const next = toks[i + 1]?.v.toLowerCase();
    if (next === 'of' && (v === 'all' || v === 'any' || /^\d+$/.test(v))) {
      i += 2;
      const target = toks[i];
      if (!target || (KEYWORDS.has(target.v.toLowerCase()) && target.v.toLowerCase() !== 'them'))
        fail("expected 'them' or an identifier pattern after 'of'");
      i++;
      const quant = v === 'all' ? 'all' : v === 'any' ? 1 : Number(v);
      if (quant === 0) fail("'0 of' never matches");
      return { t: 'of', quant, pattern: target!.v.toLowerCase() === 'them' ? null : target!.v };
    }
    if (KEYWORDS.has(v)) fail('expected an identifier');
    i++;
    return { t: 'id', name: tok.v };
  };

  const tree = parseOr(0);
  if (i < toks.length) fail('unexpected token');
  return tree;
}
