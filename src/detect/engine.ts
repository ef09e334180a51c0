import type { EventKind, TelemetryEvent } from '../model/event.js';
import { type Finding, findingId } from '../model/finding.js';
import type { HostRef } from '../model/host.js';
import { severityRank } from '../model/severity.js';
import { compareText } from '../util/compare.js';
import { type Detector, draftOf, type Hit } from './detector.js';

/**
 * Routes events to the detectors that asked for their kind and turns hits into findings. Findings with the same id
 * (same rule, same entity) are merged: the first time wins, evidence is kept from the first hit and the number of
 * hits is counted, so a process seen by a snapshot and by an exec event yields one finding.
 */
export class DetectionEngine {
  private readonly byKind = new Map<EventKind, Detector[]>();
  private readonly findings = new Map<string, Finding>();

  constructor(
    detectors: readonly Detector[],
    private readonly host: HostRef,
  ) {
    for (const d of detectors) {
      for (const k of d.kinds) {
        const list = this.byKind.get(k);
        if (list) list.push(d);
        else this.byKind.set(k, [d]);
      }
    }
  }

  process(event: TelemetryEvent, hits?: Set<Finding>): void {
    const detectors = this.byKind.get(event.kind);
    if (!detectors) return;
    for (const d of detectors) this.report(d, d.detect(event), event.time, hits);
  }

  /**
   * What a detector found about input at `time` (epoch ms), as `process` records it: for a caller that feeds a
   * detector without events (the SSH detectors reading parser records).
   */
  report(d: Detector, out: Hit | Hit[] | null, time: number, hits?: Set<Finding>): void {
    if (out === null) return;
    for (const hit of Array.isArray(out) ? out : [out]) {
      const draft = draftOf(d.meta, hit);
      const id = findingId(this.host.id, draft.ruleId, draft.entity);
      const prev = this.findings.get(id);
      if (prev) {
        if (severityRank(draft.severity) > severityRank(prev.severity)) prev.severity = draft.severity;
        hits?.add(prev);
        continue;
      }
      const finding: Finding = { ...draft, id, host: this.host, time: new Date(time).toISOString() };
      this.findings.set(id, finding);
      hits?.add(finding);
    }
  }

  processAll(events: Iterable<TelemetryEvent>): this {
    for (const e of events) this.process(e);
    return this;
  }

  /**
   * Like processAll, and returns the findings these events produced or added to: what a caller keeps to stand in for
   * the same input next time (an unchanged file) without detecting it again.
   */
  processCollect(events: Iterable<TelemetryEvent>): Finding[] {
    const hits = new Set<Finding>();
    for (const e of events) this.process(e, hits);
    return [...hits];
  }

  /** Adds findings from an earlier pass over input that has not changed since; findings already here win. */
  adopt(findings: readonly Finding[]): void {
    for (const f of findings) if (!this.findings.has(f.id)) this.findings.set(f.id, f);
  }

  /** Findings so far, most severe first, then by time. */
  results(): Finding[] {
    return [...this.findings.values()].sort(
      (a, b) => severityRank(b.severity) - severityRank(a.severity) || compareText(a.time, b.time),
    );
  }
}
