import type { Finding } from '../model/finding.js';
import { atLeast, type Severity } from '../model/severity.js';

/** DESIGN.md: 0 when nothing at or above --fail-on was found, 1 when something was (2 is for usage/input errors). */
export function exitCodeFor(findings: readonly Pick<Finding, 'severity'>[], failOn: Severity): number {
  return findings.some((f) => atLeast(f.severity, failOn)) ? 1 : 0;
}
