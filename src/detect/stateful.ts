import type { TelemetryEvent } from '../model/event.js';
import { type Finding, findingId } from '../model/finding.js';
import type { HostRef } from '../model/host.js';
import type { Detector, Hit } from './detector.js';
import { DetectionEngine } from './engine.js';

/**
 * A detector with windows or counts. It still reports through `detect` (the moment a threshold is crossed, which is
 * what a live run alerts on); `snapshot` gives the evidence as it stands now for every entity it reported, because
 * counts, users and last-seen times keep growing after the first hit. State comes from events only (event time),
 * so a replay gives the same findings as the live run.
 */
export interface StatefulDetector extends Detector {
  snapshot(): Hit[];
}

export function isStateful(d: Detector): d is StatefulDetector {
  return typeof (d as Partial<StatefulDetector>).snapshot === 'function';
}

/**
 * The detection engine plus stateful detectors: findings keep the engine's id, time and merging rules, and take
 * the latest evidence (and any raised severity) from the detectors' snapshots.
 */
export class StatefulDetection {
  private readonly engine: DetectionEngine;
  private readonly stateful: StatefulDetector[];

  constructor(
    detectors: readonly Detector[],
    private readonly host: HostRef,
  ) {
    this.engine = new DetectionEngine(detectors, host);
    this.stateful = detectors.filter(isStateful);
  }

  process(event: TelemetryEvent): void {
    this.engine.process(event);
  }

  /** A detector's hits about input at `time` without an event (see `DetectionEngine.report`). */
  report(d: Detector, out: Hit | Hit[] | null, time: number): void {
    this.engine.report(d, out, time);
  }

  results(): Finding[] {
    const latest = new Map<string, Hit>();
    for (const d of this.stateful)
      for (const hit of d.snapshot()) latest.set(findingId(this.host.id, d.meta.id, hit.entity), hit);
    return this.engine.results().map((f) => {
      const hit = latest.get(f.id);
      if (!hit) return f;
      return {
        ...f,
        evidence: hit.evidence,
        ...(hit.severity ? { severity: hit.severity } : {}),
        ...(hit.confidence !== undefined ? { confidence: hit.confidence } : {}),
        ...(hit.title ? { title: hit.title } : {}),
      };
    });
  }
}
