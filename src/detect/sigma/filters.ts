import type { Test } from './compile/item.js';
import type { SigmaFilter, SigmaRule } from './parse/rule.js';
import type { Logsource } from './types.js';

/** A filter fits a rule when every logsource attribute the filter names is the rule's too. */
function fits(filter: Logsource, rule: Logsource): boolean {
  return (
    (filter.product === undefined || filter.product === rule.product) &&
    (filter.category === undefined || filter.category === rule.category) &&
    (filter.service === undefined || filter.service === rule.service)
  );
}

/**
 * Applies Sigma filters (the filters specification): each rule a filter names by id or name, and whose logsource
 * fits, becomes `rule and not filter`. The prefilter requirement stays the rule's own: removing matches never
 * adds a literal the rule could match without. Filters naming rules that are not loaded change nothing.
 */
export function applyFilters(rules: readonly SigmaRule[], filters: readonly SigmaFilter[]): SigmaRule[] {
  if (filters.length === 0) return [...rules];
  const byRef = new Map<string, SigmaFilter[]>();
  for (const f of filters)
    for (const ref of new Set(f.rules)) {
      const list = byRef.get(ref);
      if (list) list.push(f);
      else byRef.set(ref, [f]);
    }
  return rules.map((rule) => {
    const found = new Set([...(byRef.get(rule.id ?? '') ?? []), ...(byRef.get(rule.name ?? '') ?? [])]);
    const apply = [...found].filter((f) => fits(f.logsource, rule.logsource));
    if (apply.length === 0) return rule;
    const own = rule.detection.test;
    const excluded = apply.map((f) => f.detection.test);
    const test: Test = (ctx) => {
      if (!own(ctx)) return false;
      for (let i = 0; i < excluded.length; i++) if (excluded[i]!(ctx)) return false;
      return true;
    };
    const fields = new Set([...rule.detection.fields, ...apply.flatMap((f) => f.detection.fields)]);
    return {
      ...rule,
      detection: {
        ...rule.detection,
        test,
        fields: [...fields],
        keywords: rule.detection.keywords !== false || apply.some((f) => f.detection.keywords !== false),
      },
      filters: apply.map((f) => f.id ?? f.name ?? f.title),
    };
  });
}
