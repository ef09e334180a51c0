import type { EventKind, TelemetryEvent } from '../model/event.js';
import type { Category, Entity, FindingDraft } from '../model/finding.js';
import type { Severity } from '../model/severity.js';

/** What every rule states about itself, coded or Sigma: it ends up in each finding and in docs/rules.md. */
export interface RuleMeta {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly confidence: number;
  readonly category: Category;
  readonly techniques: readonly string[];
  readonly recommendation: string;
  /** Known benign causes, for the rule catalog. */
  readonly falsePositives: string;
}

/**
 * A coded detector. Pure: events in, findings out; no I/O and no clock but event time, so a replay of recorded
 * events gives the same findings as the live run did.
 */
export interface Detector {
  readonly meta: RuleMeta;
  /** Event kinds the detector wants; the engine routes only those. */
  readonly kinds: readonly EventKind[];
  detect(event: TelemetryEvent): Hit | Hit[] | null;
}

/** A detector's result for one event: the entity it is about and the verbatim evidence. */
export interface Hit {
  entity: Entity;
  evidence: Record<string, unknown>;
  /** Overrides of the rule's defaults for this hit (e.g. stronger evidence, higher confidence). */
  severity?: Severity;
  confidence?: number;
  title?: string;
}

export function draftOf(meta: RuleMeta, hit: Hit): FindingDraft {
  return {
    ruleId: meta.id,
    title: hit.title ?? meta.title,
    severity: hit.severity ?? meta.severity,
    confidence: hit.confidence ?? meta.confidence,
    category: meta.category,
    techniques: [...meta.techniques],
    entity: hit.entity,
    evidence: hit.evidence,
    recommendation: meta.recommendation,
  };
}
