import type { Finding } from '../../model/finding.js';
import type { Severity } from '../../model/severity.js';
import { applySuppressions, type Suppression } from '../../posture/suppress.js';

/** What one open finding of each severity costs the score; documented in docs/dashboard.md. */
const WEIGHT: Record<Severity, number> = { critical: 25, high: 10, medium: 4, low: 1, info: 0 };

/** 100 = nothing open; every unsuppressed posture finding takes its weight off, down to 0. */
export function postureScore(findings: readonly Finding[]): number {
  let lost = 0;
  for (const f of findings) lost += WEIGHT[f.severity];
  return Math.max(0, 100 - lost);
}

export interface CheckGroup {
  ruleId: string;
  title: string;
  severity: Severity;
  findings: Array<{
    id: string;
    hostId: string;
    hostName: string;
    resource: string;
    suppressedBy: Suppression | null;
  }>;
  open: number;
}

/** The resource a suppression matches against: what `minewarden posture --suppressions` matches too. */
export function resourceOf(f: Finding): string {
  const e = f.entity;
  return e.name ?? e.path ?? e.exe ?? e.ip ?? (e.port !== undefined ? String(e.port) : f.id);
}

export function groupByCheck(
  findings: readonly Finding[],
  suppressions: readonly Suppression[],
  today: string,
): CheckGroup[] {
  const res = applySuppressions(findings, suppressions, today);
  const by = new Map<Finding, Suppression | null>();
  for (const f of res.kept) by.set(f, null);
  for (const s of res.suppressed) by.set(s.finding, s.suppression);
  const groups = new Map<string, CheckGroup>();
  for (const [f, s] of by) {
    const g = groups.get(f.ruleId) ?? {
      ruleId: f.ruleId,
      title: f.title,
      severity: f.severity,
      findings: [],
      open: 0,
    };
    g.findings.push({
      id: f.id,
      hostId: f.host.id,
      hostName: f.host.name,
      resource: resourceOf(f),
      suppressedBy: s,
    });
    if (!s) g.open++;
    groups.set(f.ruleId, g);
  }
  const rank = (s: Severity) => WEIGHT[s];
  return [...groups.values()].sort(
    (a, b) => rank(b.severity) - rank(a.severity) || b.open - a.open || a.ruleId.localeCompare(b.ruleId),
  );
}
