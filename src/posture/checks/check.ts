import type { Category } from '../../model/finding.js';
import type { Severity } from '../../model/severity.js';
import type { Assets, ResourceRef } from '../assets.js';

/** What every posture check states about itself; it ends up in each finding, in SARIF rules and in docs/posture.md. */
export interface PostureCheckMeta {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly confidence: number;
  readonly category: Category;
  readonly techniques: readonly string[];
  readonly remediation: string;
  /** Where the risk is explained: vendor docs, CIS items, advisories. */
  readonly references: readonly string[];
}

/** One failing resource (or part of one) as a check sees it. */
export interface PostureHit {
  resource: ResourceRef;
  /** The most specific line: the attribute at fault, else its block, else the resource. */
  line: number;
  /** Every line this hit can be pinned to, most general first (resource, block, attribute). */
  lines: number[];
  /** Part of the identity: two hits on one resource differ by it (a port, a container name). */
  key?: string;
  port?: number;
  title?: string;
  severity?: Severity;
  confidence?: number;
  evidence: Record<string, unknown>;
}

/** A posture check: pure, assets in, hits out. One family of checks per file under checks/. */
export interface PostureCheck {
  readonly meta: PostureCheckMeta;
  run(assets: Assets): PostureHit[];
}

export function uniqLines(...lines: (number | undefined)[]): number[] {
  const out: number[] = [];
  for (const l of lines) if (l !== undefined && l > 0 && !out.includes(l)) out.push(l);
  return out;
}
