export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

const RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export function severityRank(s: Severity): number {
  return RANK[s];
}

/** True when `s` is at or above `threshold` (the `--fail-on` test). */
export function atLeast(s: Severity, threshold: Severity): boolean {
  return RANK[s] >= RANK[threshold];
}

export function maxSeverity(list: readonly Severity[]): Severity | undefined {
  let best: Severity | undefined;
  for (const s of list) if (best === undefined || RANK[s] > RANK[best]) best = s;
  return best;
}
