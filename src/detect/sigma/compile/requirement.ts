/**
 * What a prefilter may assume about a rule: it can only match when at least one of these literals occurs
 * (case-folded) in the named field, or in any field for keyword searches (field null). `null` means no such
 * guarantee, so the rule must always be evaluated.
 */
export interface Needle {
  readonly field: string | null;
  readonly text: string;
}

export type Requirement = readonly Needle[] | null;

function score(r: readonly Needle[]): number {
  let minLen = Number.POSITIVE_INFINITY;
  let keyword = 0;
  for (const n of r) {
    minLen = Math.min(minLen, n.text.length);
    if (n.field === null) keyword = 1;
  }
  // Field needles beat keyword needles (keywords scan every field); then longer shortest needle; then fewer.
  return (1 - keyword) * 1e6 + Math.min(minLen, 12) * 1e3 - Math.min(r.length, 999);
}

/** AND: either side's requirement holds, so keep the more selective one. */
export function requireAll(rs: readonly Requirement[]): Requirement {
  let best: Requirement = null;
  for (const r of rs) if (r !== null && (best === null || score(r) > score(best))) best = r;
  return best;
}

/** OR: one of the sides must hold, so any of their needles may be the one. */
export function requireAny(rs: readonly Requirement[]): Requirement {
  const out: Needle[] = [];
  for (const r of rs) {
    if (r === null) return null;
    out.push(...r);
  }
  return out;
}
