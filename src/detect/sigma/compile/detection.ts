import { type CondNode, parseCondition } from '../condition.js';
import { compileStringTest } from '../match/string-match.js';
import { parseWildcards } from '../match/wildcard.js';
import type { ParsedDetection, SearchIdentifier } from '../parse/detection.js';
import { SigmaRuleError } from '../types.js';
import { compileItem, everyTest, type FieldResolver, someTest, type Test } from './item.js';
import { NO_PLACEHOLDERS, type Placeholders } from './placeholders.js';
import { type Requirement, requireAll, requireAny } from './requirement.js';

export interface CompiledDetection {
  readonly test: Test;
  readonly requirement: Requirement;
  /** Model fields the rule reads, for documentation and for `rules lint`. */
  readonly fields: readonly string[];
  /**
   * Whether some search is a keyword search (any field, unmapped ones too): then `fields` is not all the rule reads.
   * Absent means unknown, and is taken as true.
   */
  readonly keywords?: boolean;
}

interface Compiled {
  test: Test;
  requirement: Requirement;
}

function compileIdentifier(
  id: SearchIdentifier,
  resolve: FieldResolver,
  placeholders: Placeholders,
): Compiled {
  const groups = id.groups.map((items) => {
    const compiled = items.map((it) => compileItem(it, resolve, placeholders));
    const tests = compiled.map((c) => c.test);
    const test: Test = tests.length === 1 ? tests[0]! : (ctx) => everyTest(tests, ctx);
    return { test, requirement: requireAll(compiled.map((c) => c.requirement)) };
  });
  if (groups.length === 1) return groups[0]!;
  const tests = groups.map((g) => g.test);
  return {
    test: (ctx) => someTest(tests, ctx),
    requirement: requireAny(groups.map((g) => g.requirement)),
  };
}

function resolvePattern(pattern: string | null, names: readonly string[], line: number): string[] {
  // `them` excludes identifiers starting with `_` by convention (specification, Condition).
  if (pattern === null) return names.filter((n) => !n.startsWith('_'));
  const test = compileStringTest(parseWildcards(pattern));
  const hits = names.filter((n) => test(n));
  if (hits.length === 0)
    throw new SigmaRuleError('MW_SIGMA_CONDITION', `'${pattern}' matches no search identifier`, line);
  return hits;
}

/** Compiles identifiers and the condition (a list of conditions is OR-ed) into one test with its requirement. */
export function compileDetection(
  parsed: ParsedDetection,
  resolve: FieldResolver,
  placeholders: Placeholders = NO_PLACEHOLDERS,
): CompiledDetection {
  const fields = new Set<string>();
  const tracking: FieldResolver = (name, line) => {
    const f = resolve(name, line);
    fields.add(f);
    return f;
  };
  const ids = new Map<string, Compiled>();
  for (const [name, id] of parsed.identifiers) ids.set(name, compileIdentifier(id, tracking, placeholders));
  const names = [...ids.keys()];
  const line = parsed.conditionLine;

  const build = (node: CondNode): Compiled => {
    switch (node.t) {
      case 'id': {
        const c = ids.get(node.name);
        if (!c)
          throw new SigmaRuleError('MW_SIGMA_CONDITION', `unknown search identifier '${node.name}'`, line);
        return c;
      }
      case 'not': {
        const inner = build(node.x).test;
        return { test: (ctx) => !inner(ctx), requirement: null };
      }
      case 'and': {
        const xs = node.xs.map(build);
        const tests = xs.map((x) => x.test);
        return {
          test: (ctx) => everyTest(tests, ctx),
          requirement: requireAll(xs.map((x) => x.requirement)),
        };
      }
      case 'or': {
        const xs = node.xs.map(build);
        const tests = xs.map((x) => x.test);
        return {
          test: (ctx) => someTest(tests, ctx),
          requirement: requireAny(xs.map((x) => x.requirement)),
        };
      }
      case 'of': {
        const xs = resolvePattern(node.pattern, names, line).map((n) => ids.get(n)!);
        const tests = xs.map((x) => x.test);
        const quant = node.quant;
        if (quant === 'all')
          return {
            test: (ctx) => everyTest(tests, ctx),
            requirement: requireAll(xs.map((x) => x.requirement)),
          };
        const test: Test =
          quant === 1
            ? (ctx) => someTest(tests, ctx)
            : (ctx) => {
                let n = 0;
                for (let i = 0; i < tests.length; i++) if (tests[i]!(ctx) && ++n >= quant) return true;
                return false;
              };
        return { test, requirement: requireAny(xs.map((x) => x.requirement)) };
      }
    }
  };
  const conds = parsed.conditions.map((c) => build(parseCondition(c, line)));
  const keywords = [...parsed.identifiers.values()].some((id) =>
    id.groups.some((items) => items.some((it) => it.field === null)),
  );
  if (conds.length === 1) return { ...conds[0]!, fields: [...fields], keywords };
  const tests = conds.map((c) => c.test);
  return {
    test: (ctx) => someTest(tests, ctx),
    requirement: requireAny(conds.map((c) => c.requirement)),
    fields: [...fields],
    keywords,
  };
}
