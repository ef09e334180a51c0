import { compileCidr } from '../match/cidr.js';
import type { EvalContext } from '../match/context.js';
import { compileRegex } from '../match/regex.js';
import { regexLiterals } from '../match/regex-literals.js';
import { compileStringSet, compileStringTest } from '../match/string-match.js';
import { compileTimePart, TIME_PARTS } from '../match/time-part.js';
import { longestLiteral, mapLiterals, type Pattern } from '../match/wildcard.js';
import { COMPARISONS } from '../modifiers.js';
import type { DetectionItem } from '../parse/detection.js';
import { SigmaRuleError } from '../types.js';
import { expandPlaceholders, NO_PLACEHOLDERS, type Placeholders } from './placeholders.js';
import { type Needle, type Requirement, requireAll, requireOneOf } from './requirement.js';
import { expandStringValue } from './values.js';

export type Test = (ctx: EvalContext) => boolean;

export interface CompiledItem {
  readonly test: Test;
  /** Literals one of which must occur in the event for the item to be true (null: no such guarantee). */
  readonly requirement: Requirement;
}

/** Resolves a Sigma field name to the model's field name, or throws an "unsupported" error naming the field. */
export type FieldResolver = (sigmaName: string, line: number) => string;

type ValueTest = (ctx: EvalContext) => boolean;

function anyOf(strs: readonly string[], f: (s: string) => boolean): boolean {
  for (let i = 0; i < strs.length; i++) if (f(strs[i]!)) return true;
  return false;
}

function containsAny(s: string, lits: readonly string[]): boolean {
  for (let i = 0; i < lits.length; i++) if (s.includes(lits[i]!)) return true;
  return false;
}

/** Plain loops instead of `tests.every((t) => t(ctx))`, which allocates a closure on every evaluation. */
export function everyTest(tests: readonly Test[], ctx: EvalContext): boolean {
  for (let i = 0; i < tests.length; i++) if (!tests[i]!(ctx)) return false;
  return true;
}

export function someTest(tests: readonly Test[], ctx: EvalContext): boolean {
  for (let i = 0; i < tests.length; i++) if (tests[i]!(ctx)) return true;
  return false;
}

/** A list of string values on one field (OR) as one test: the field's strings are fetched once for all values. */
function stringSetTest(field: string | null, lower: boolean, patterns: readonly Pattern[]): Test {
  const match = compileStringSet(patterns);
  if (field === null) return (ctx) => anyOf(ctx.allStrings(lower), match);
  return lower ? (ctx) => anyOf(ctx.lowerStrings(field), match) : (ctx) => anyOf(ctx.strings(field), match);
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Keeps the longest ASCII run of a literal: the prefilter folds ASCII case only, so needles must be ASCII. */
function asciiNeedle(lit: string): string {
  let best = '';
  let run = '';
  for (const ch of `${lit.toLowerCase()}\u0080`) {
    if (ch.charCodeAt(0) < 0x80) run += ch;
    else {
      if (run.length > best.length) best = run;
      run = '';
    }
  }
  return best;
}

function compileComparison(field: string, op: string, v: unknown, line: number): ValueTest {
  const limit = asNumber(v);
  if (limit === undefined)
    throw new SigmaRuleError('MW_SIGMA_MODIFIER', `'${op}' needs a number, got '${String(v)}'`, line);
  const cmp =
    op === 'lt'
      ? (n: number) => n < limit
      : op === 'lte'
        ? (n: number) => n <= limit
        : op === 'gt'
          ? (n: number) => n > limit
          : (n: number) => n >= limit;
  return (ctx) =>
    anyOf(ctx.strings(field), (s) => {
      const n = asNumber(s);
      return n !== undefined && cmp(n);
    });
}

function compileFieldref(field: string, other: string, item: DetectionItem): ValueTest {
  const cased = item.modifiers.has('cased');
  const shape = item.modifiers.has('contains')
    ? 'contains'
    : item.modifiers.has('startswith')
      ? 'startswith'
      : item.modifiers.has('endswith')
        ? 'endswith'
        : 'eq';
  return (ctx) => {
    const mine = cased ? ctx.strings(field) : ctx.lowerStrings(field);
    const theirs = cased ? ctx.strings(other) : ctx.lowerStrings(other);
    for (const a of mine)
      for (const b of theirs) {
        if (
          shape === 'eq'
            ? a === b
            : shape === 'contains'
              ? a.includes(b)
              : shape === 'startswith'
                ? a.startsWith(b)
                : a.endsWith(b)
        )
          return true;
      }
    return false;
  };
}

/** One compiled value: its test, the literals a prefilter can look for, and for string values their pattern. */
interface ValuePart {
  readonly test: ValueTest;
  readonly needles: string[] | null;
  /** String values: the pattern as the test compares it (lowercased unless `cased`). */
  readonly pattern?: Pattern;
}

/** Compiles one value of an item to a test and, for plain string tests, the literal a prefilter can look for. */
function compileValue(
  item: DetectionItem,
  field: string | null,
  value: DetectionItem['values'][number],
  resolve: FieldResolver,
): ValuePart[] {
  const m = item.modifiers;
  const line = item.line;
  const strings = (ctx: EvalContext, lower: boolean): readonly string[] =>
    field === null ? ctx.allStrings(lower) : lower ? ctx.lowerStrings(field) : ctx.strings(field);
  if (value === null) {
    if (field === null) throw new SigmaRuleError('MW_SIGMA_SCHEMA', 'a keyword cannot be null', line);
    return [{ test: (ctx) => ctx.value(field) === undefined || ctx.value(field) === null, needles: null }];
  }
  if (m.has('exists')) {
    if (field === null) throw new SigmaRuleError('MW_SIGMA_MODIFIER', "'exists' needs a field", line);
    const want =
      value === true || value === 'true' ? true : value === false || value === 'false' ? false : undefined;
    if (want === undefined)
      throw new SigmaRuleError(
        'MW_SIGMA_MODIFIER',
        `'exists' takes true or false, got '${String(value)}'`,
        line,
      );
    return [{ test: (ctx) => (ctx.value(field) !== undefined) === want, needles: null }];
  }
  const op = COMPARISONS.find((c) => m.has(c));
  const part = TIME_PARTS.find((t) => m.has(t));
  if (part) {
    if (field === null) throw new SigmaRuleError('MW_SIGMA_MODIFIER', `'${part}' needs a field`, line);
    return [{ test: compileTimePart(field, part, op, value, line), needles: null }];
  }
  if (op) {
    if (field === null) throw new SigmaRuleError('MW_SIGMA_MODIFIER', `'${op}' needs a field`, line);
    return [{ test: compileComparison(field, op, value, line), needles: null }];
  }
  if (m.has('cidr')) {
    const inNet = compileCidr(String(value), line);
    return [{ test: (ctx) => anyOf(strings(ctx, false), inNet), needles: null }];
  }
  if (m.has('re')) {
    const source = String(value);
    const re = compileRegex(source, { i: m.has('i'), m: m.has('m'), s: m.has('s') }, line);
    const found = regexLiterals(source)?.map(asciiNeedle) ?? null;
    const needles = found === null || found.includes('') ? null : found;
    // RE2JS is slow next to includes(): a case-sensitive regex first checks that a literal it cannot match without
    // is in the (lowercased) string. Not for case-insensitive ones: RE2 folds characters toLowerCase leaves alone.
    const guard = needles !== null && !m.has('i') && !/\(\?[a-zA-Z]*i/.test(source) ? needles : null;
    const test: ValueTest =
      guard === null
        ? (ctx) => anyOf(strings(ctx, false), re)
        : (ctx) => {
            const raw = strings(ctx, false);
            const low = strings(ctx, true);
            for (let i = 0; i < raw.length; i++) if (containsAny(low[i]!, guard) && re(raw[i]!)) return true;
            return false;
          };
    return [{ test, needles }];
  }
  if (m.has('fieldref')) {
    if (field === null) throw new SigmaRuleError('MW_SIGMA_MODIFIER', "'fieldref' needs a field", line);
    return [{ test: compileFieldref(field, resolve(String(value), line), item), needles: null }];
  }
  const cased = m.has('cased');
  return expandStringValue(value, m, field === null, line).map((pattern) => {
    const p = cased ? pattern : mapLiterals(pattern, (s) => s.toLowerCase());
    const t = compileStringTest(p);
    const needle = asciiNeedle(longestLiteral(pattern));
    return {
      test: (ctx: EvalContext) => anyOf(strings(ctx, !cased), t),
      needles: needle === '' ? null : [needle],
      pattern: p,
    };
  });
}

/**
 * Compiles `field|modifiers: values`. Values are OR-ed (AND-ed with `all`); `neq` negates each value. The item's
 * requirement is the set of literals a fast prefilter can look for before running the item.
 */
export function compileItem(
  item: DetectionItem,
  resolve: FieldResolver,
  placeholders: Placeholders = NO_PLACEHOLDERS,
): CompiledItem {
  const field = item.field === null ? null : resolve(item.field, item.line);
  const neq = item.modifiers.has('neq');
  const all = item.modifiers.has('all');
  const values = item.modifiers.has('expand')
    ? expandPlaceholders(item.values, placeholders, item.line)
    : item.values;
  const parts = values.flatMap((v) => compileValue(item, field, v, resolve));
  const tests = parts.map((p) => (neq ? (ctx: EvalContext) => !p.test(ctx) : p.test));
  let test: Test;
  const patterns = parts.map((p) => p.pattern);
  if (tests.length === 1) test = tests[0]!;
  else if (!neq && !all && patterns.every((p) => p !== undefined))
    test = stringSetTest(field, !item.modifiers.has('cased'), patterns as Pattern[]);
  else if (all) test = (ctx) => everyTest(tests, ctx);
  else test = (ctx) => someTest(tests, ctx);

  let requirement: Requirement = null;
  if (!neq && parts.every((p) => p.needles !== null)) {
    const clauses = parts.map((p): Needle[] =>
      p.needles!.map((text) =>
        // A whole-value literal on a field (`type: EXECVE`) is usually a category most events share.
        field !== null && p.pattern?.length === 1 && typeof p.pattern[0] !== 'string'
          ? { field, text, whole: true }
          : { field, text },
      ),
    );
    // With `all` every value must be present: one clause per value; otherwise any value's literal will do.
    requirement = all ? requireAll(clauses.map(requireOneOf)) : requireOneOf(clauses.flat());
  }
  return { test, requirement };
}
