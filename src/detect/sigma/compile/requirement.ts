/**
 * What a prefilter may assume about a rule, as clauses that must all hold: each clause is a set of literals one of
 * which occurs (case-folded) in the named field, or in any field for keyword searches (field null). `null` means no
 * such guarantee, so the rule must always be evaluated. Several clauses make the filter sharp: `type: EXECVE` alone
 * holds for every execve record, `type: EXECVE` and one of `truncate`, `dd` holds for very few.
 */
export interface Needle {
  readonly field: string | null;
  readonly text: string;
  /** The literal is a field's whole value (an equality test), not a part of it. */
  readonly whole?: boolean;
}

/** One of these literals occurs. */
export type Clause = readonly Needle[];

/** Every clause holds (null: nothing is known). */
export type Requirement = readonly Clause[] | null;

/** Clauses kept per rule: two are enough to be selective (measured: more cost bookkeeping per hit than they save). */
const MAX_CLAUSES = 2;

/** Shortest literal of an extra clause (one kept besides the best). */
const MIN_EXTRA = 2;

function minLength(c: Clause): number {
  let minLen = Number.POSITIVE_INFINITY;
  for (const n of c) minLen = Math.min(minLen, n.text.length);
  return minLen;
}

/** Whole-value literals count as shorter: they tend to be categories (`type: EXECVE`, `Initiated: true`). */
const WHOLE_VALUE_PENALTY = 3;

function score(c: Clause): number {
  let minLen = Number.POSITIVE_INFINITY;
  for (const n of c) minLen = Math.min(minLen, n.text.length - (n.whole ? WHOLE_VALUE_PENALTY : 0));
  // Longer shortest literal first (fewer chance hits), then fewer literals.
  return Math.min(minLen, 12) * 1000 - Math.min(c.length, 999);
}

function best(r: readonly Clause[]): Clause {
  return r.reduce((a, b) => (score(b) > score(a) ? b : a));
}

function key(c: Clause): string {
  return c
    .map((n) => `${n.field ?? ''}\u0000${n.text}`)
    .sort()
    .join('\u0001');
}

function limit(clauses: readonly Clause[]): Requirement {
  if (clauses.length === 0) return null;
  const seen = new Set<string>();
  const unique = clauses.filter((c) => {
    const k = key(c);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const sorted = unique.sort((a, b) => score(b) - score(a));
  // Beyond the best clause, one with a very short literal would fire on most events and only cost bookkeeping.
  return [sorted[0]!, ...sorted.slice(1).filter((c) => minLength(c) >= MIN_EXTRA)].slice(0, MAX_CLAUSES);
}

/** One clause: one of these literals occurs. */
export function requireOneOf(needles: readonly Needle[]): Requirement {
  return needles.length === 0 ? null : [needles];
}

/** AND: every side's clauses hold. */
export function requireAll(rs: readonly Requirement[]): Requirement {
  const out: Clause[] = [];
  for (const r of rs) if (r !== null) out.push(...r);
  return limit(out);
}

/**
 * OR: (A1 and A2) or (B1 and B2) holds exactly when every (Ai or Bj) does; when that product is too large, the
 * single clause (best A or best B) still holds.
 */
export function requireAny(rs: readonly Requirement[]): Requirement {
  let acc: readonly Clause[] | undefined;
  for (const r of rs) {
    if (r === null) return null;
    if (acc === undefined) acc = r;
    else if (acc.length * r.length <= MAX_CLAUSES) acc = acc.flatMap((a) => r.map((b) => [...a, ...b]));
    else acc = [[...best(acc), ...best(r)]];
  }
  return acc === undefined ? null : limit(acc);
}
