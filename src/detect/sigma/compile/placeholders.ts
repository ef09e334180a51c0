import { LIMITS } from '../limits.js';
import type { SigmaScalar } from '../parse/detection.js';
import { SigmaRuleError, unsupported } from '../types.js';

/** Values of `%name%` placeholders, by name (without the percent signs). */
export type Placeholders = ReadonlyMap<string, readonly string[]>;

export const NO_PLACEHOLDERS: Placeholders = new Map();

/**
 * The `expand` modifier: each `%name%` in a value stands for every value the placeholder map gives that name, so
 * one value becomes the list of its substitutions (OR-ed like any value list). A name the map lacks makes the rule
 * unsupported, naming the placeholder, rather than silently matching nothing.
 */
export function expandPlaceholders(
  values: readonly SigmaScalar[],
  placeholders: Placeholders,
  line: number,
): SigmaScalar[] {
  const out: SigmaScalar[] = [];
  for (const v of values) {
    if (typeof v !== 'string') {
      out.push(v);
      continue;
    }
    let current = [''];
    let last = 0;
    for (const m of v.matchAll(/%([A-Za-z0-9_.-]+)%/g)) {
      const name = m[1]!;
      const subs = placeholders.get(name);
      if (subs === undefined || subs.length === 0)
        throw unsupported(`placeholder '%${name}%' has no values (give them in a placeholder file)`, line);
      const literal = v.slice(last, m.index);
      current = current.flatMap((head) => subs.map((sub) => head + literal + sub));
      last = m.index + m[0].length;
      if (current.length > LIMITS.maxExpandedValues)
        throw new SigmaRuleError(
          'MW_SIGMA_TOO_LARGE',
          `placeholders expand to more than ${LIMITS.maxExpandedValues} values`,
          line,
        );
    }
    for (const head of current) out.push(head + v.slice(last));
  }
  return out;
}
