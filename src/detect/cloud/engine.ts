import type { EventKind, TelemetryEvent } from '../../model/event.js';
import { type Finding, findingId } from '../../model/finding.js';
import type { HostRef } from '../../model/host.js';
import { severityRank } from '../../model/severity.js';
import { type FlowRecord, fillSides, recordOfEvent } from '../../sources/cloud/flow-record.js';
import { type Detector, draftOf, type Hit } from '../detector.js';

/** A hit from state at the end of the input, with the host and time it belongs to. */
export interface HostHit extends Hit {
  hostId: string;
  time: number;
}

/**
 * A detector over cloud records. `detect` reports as records arrive (what a live run alerts on); `flush`, if there
 * is one, gives hits that only the whole input can show (a shape over many records) and the latest evidence of the
 * ones reported before.
 */
export interface CloudDetector extends Detector {
  flush?(): HostHit[];
  /**
   * Flow rules take records (numbers, text on demand) rather than events: flow logs run to millions of lines and
   * most match nothing. The engine turns flow events from any reader into records for them.
   */
  flow?(record: FlowRecord): Hit | Hit[] | null;
}

/**
 * Like the detection engine, but each finding's host is its record's: cloud logs speak of many machines at once,
 * and the host id is what the readers resolved (a mapped agent host, else the instance, interface or account).
 */
export class CloudDetection {
  private readonly byKind = new Map<EventKind, CloudDetector[]>();
  private readonly flowRules: CloudDetector[] = [];
  private readonly findings = new Map<string, Finding>();
  private events = 0;

  constructor(
    private readonly detectors: readonly CloudDetector[],
    private readonly hostRef: (hostId: string) => HostRef,
  ) {
    for (const d of detectors)
      for (const k of d.kinds) {
        if (k === 'flow' && d.flow) {
          this.flowRules.push(d);
          continue;
        }
        const list = this.byKind.get(k);
        if (list) list.push(d);
        else this.byKind.set(k, [d]);
      }
  }

  get processed(): number {
    return this.events;
  }

  process(event: TelemetryEvent): void {
    if (event.kind === 'flow' && this.flowRules.length > 0) {
      const r = recordOfEvent(event);
      if (r) this.runFlowRules(r);
    }
    this.events++;
    const detectors = this.byKind.get(event.kind);
    if (!detectors) return;
    for (const d of detectors) {
      const out = d.detect(event);
      if (out === null) continue;
      for (const hit of Array.isArray(out) ? out : [out]) this.add(d, hit, event.hostId, event.time, false);
    }
  }

  /** One flow record (valid for this call only: readers refill the object). */
  processFlow(r: FlowRecord): void {
    this.events++;
    fillSides(r);
    this.runFlowRules(r);
  }

  private runFlowRules(r: FlowRecord): void {
    for (const d of this.flowRules) {
      const out = (d.flow as NonNullable<CloudDetector['flow']>)(r);
      if (out === null) continue;
      for (const hit of Array.isArray(out) ? out : [out]) this.add(d, hit, r.hostId, r.time, false);
    }
  }

  /** Findings so far plus what the detectors' end-of-input state shows; most severe first, then by time. */
  results(): Finding[] {
    for (const d of this.detectors) for (const h of d.flush?.() ?? []) this.add(d, h, h.hostId, h.time, true);
    return [...this.findings.values()].sort(
      (a, b) => severityRank(b.severity) - severityRank(a.severity) || a.time.localeCompare(b.time),
    );
  }

  private add(d: Detector, hit: Hit, hostId: string, time: number, replace: boolean): void {
    const draft = draftOf(d.meta, hit);
    const id = findingId(hostId, draft.ruleId, draft.entity);
    const prev = this.findings.get(id);
    if (prev) {
      if (replace) {
        prev.evidence = draft.evidence;
        prev.title = draft.title;
        prev.confidence = draft.confidence;
      }
      if (severityRank(draft.severity) > severityRank(prev.severity)) prev.severity = draft.severity;
      return;
    }
    this.findings.set(id, { ...draft, id, host: this.hostRef(hostId), time: new Date(time).toISOString() });
  }
}
