import type { SigmaCorrelationDef, SigmaRule } from '../parse/rule.js';
import type { CountConditionSpec } from '../parse/schema.js';
import type { RuleHeader, SigmaFailure, SigmaUnsupported } from '../types.js';

export type CorrelationType =
  | 'event_count'
  | 'value_count'
  | 'temporal'
  | 'temporal_ordered'
  | 'value_sum'
  | 'value_avg';

/** Types whose condition compares a number computed from the group: they need a condition (and most a field). */
const COUNTED: readonly string[] = ['event_count', 'value_count', 'value_sum', 'value_avg'];
const ON_FIELD: readonly string[] = ['value_count', 'value_sum', 'value_avg'];

/** A correlation whose rule references are resolved to rule keys (the rule's id, else its name). */
export interface SigmaCorrelation extends RuleHeader {
  readonly kind: 'correlation';
  readonly key: string;
  readonly type: CorrelationType;
  /** Keys of the referenced rules (detection or correlation), in the order written. */
  readonly rules: readonly string[];
  readonly groupBy: readonly string[];
  readonly timespanMs: number;
  readonly condition: CountConditionSpec | undefined;
  /** value_count: the Sigma field(s) whose distinct values are counted; value_sum/value_avg: the number field. */
  readonly valueFields: readonly string[];
  /** alias -> rule key -> Sigma field name. */
  readonly aliases: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly generate: boolean;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function timespanMs(text: string): number {
  const unit = text[text.length - 1]!;
  return Number(text.slice(0, -1)) * (UNIT_MS[unit] ?? Number.NaN);
}

/** The key correlations use for a rule: its id, else its name, else its title. */
export function ruleKey(r: RuleHeader): string {
  return r.id ?? r.name ?? r.title;
}

export interface LinkResult {
  readonly correlations: SigmaCorrelation[];
  readonly failed: SigmaFailure[];
  readonly unsupported: SigmaUnsupported[];
}

/**
 * Resolves correlation references by id or name across everything loaded, and drops (with a reason) correlations
 * that name a missing rule, one that could not load, or that refer to each other in a loop.
 */
export function linkCorrelations(
  defs: readonly SigmaCorrelationDef[],
  rules: readonly SigmaRule[],
  notLoaded: ReadonlySet<string>,
): LinkResult {
  const byRef = new Map<string, string>();
  for (const r of [...rules, ...defs]) {
    const key = ruleKey(r);
    if (r.id !== undefined && !byRef.has(r.id)) byRef.set(r.id, key);
    if (r.name !== undefined && !byRef.has(r.name)) byRef.set(r.name, key);
  }
  const failed: SigmaFailure[] = [];
  const unsupported: SigmaUnsupported[] = [];
  const linked = new Map<string, SigmaCorrelation>();
  for (const d of defs) {
    const c = d.correlation;
    const refs: string[] = [];
    let problem: string | undefined;
    for (const ref of c.rules) {
      const key = byRef.get(ref);
      if (key !== undefined) refs.push(key);
      else if (notLoaded.has(ref)) {
        unsupported.push({ file: d.file, feature: `correlation on rule '${ref}', which did not load` });
        problem = 'skip';
        break;
      } else {
        problem = `correlation rule '${d.title}' names rule '${ref}', which is not loaded`;
        break;
      }
    }
    if (problem === undefined && COUNTED.includes(c.type) && !c.condition)
      problem = `correlation type ${c.type} needs a condition`;
    if (problem === undefined && ON_FIELD.includes(c.type) && !c.condition?.field)
      problem = `correlation type ${c.type} needs condition.field`;
    if (problem !== undefined) {
      if (problem !== 'skip')
        failed.push({ file: d.file, line: d.line, code: 'MW_SIGMA_CORRELATION', message: problem });
      continue;
    }
    const aliases = new Map<string, Map<string, string>>();
    for (const [alias, perRule] of Object.entries(c.aliases ?? {})) {
      const m = new Map<string, string>();
      for (const [ref, field] of Object.entries(perRule)) m.set(byRef.get(ref) ?? ref, field);
      aliases.set(alias, m);
    }
    const field = c.condition?.field;
    linked.set(ruleKey(d), {
      ...d,
      key: ruleKey(d),
      type: c.type as CorrelationType,
      rules: refs,
      groupBy: c['group-by'] ?? [],
      timespanMs: timespanMs(c.timespan),
      condition: c.condition,
      valueFields: field === undefined ? [] : Array.isArray(field) ? field : [field],
      aliases,
      generate: c.generate ?? false,
    });
  }
  // Loops (a -> b -> a) would feed hits back forever: refuse every correlation on a cycle.
  const state = new Map<string, 1 | 2>();
  const onCycle = new Set<string>();
  const visit = (key: string, path: string[]): void => {
    const c = linked.get(key);
    if (!c) return;
    if (state.get(key) === 2) return;
    if (state.get(key) === 1) {
      for (const k of path.slice(path.indexOf(key))) onCycle.add(k);
      return;
    }
    state.set(key, 1);
    for (const r of c.rules) visit(r, [...path, key]);
    state.set(key, 2);
  };
  for (const key of linked.keys()) visit(key, []);
  for (const key of onCycle) {
    const c = linked.get(key)!;
    failed.push({
      file: c.file,
      line: c.line,
      code: 'MW_SIGMA_CORRELATION',
      message: `correlation '${c.title}' is part of a reference loop`,
    });
    linked.delete(key);
  }
  return { correlations: [...linked.values()], failed, unsupported };
}
