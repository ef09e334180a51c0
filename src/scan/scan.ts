import { correlateIncidents } from '../correlate/incidents.js';
import type { Detector } from '../detect/detector.js';
import { builtinDetectors } from '../detect/detectors/index.js';
import { DetectionEngine } from '../detect/engine.js';
import { loadMinerPorts } from '../intel/miner-ports.js';
import type { TelemetryEvent } from '../model/event.js';
import type { Finding } from '../model/finding.js';
import type { Incident } from '../model/incident.js';
import { snapshotEvents } from '../sources/procfs/events.js';
import { type HostSnapshot, type SnapshotOptions, takeSnapshot } from '../sources/procfs/snapshot.js';

export interface ScanOptions extends SnapshotOptions {
  detectors?: readonly Detector[];
  /** Extra events seen during the scan window (e.g. real-time exec events), detected together with the snapshot. */
  extraEvents?: () => readonly TelemetryEvent[];
}

export interface ScanResult {
  snapshot: HostSnapshot;
  findings: Finding[];
  incidents: Incident[];
}

/** One pass over the host: collect, turn into events, detect. */
export async function scanHost(opts: ScanOptions = {}): Promise<ScanResult> {
  const snapshot = await takeSnapshot(opts);
  const detectors = opts.detectors ?? builtinDetectors({ minerPorts: loadMinerPorts() });
  const engine = new DetectionEngine(detectors, { id: snapshot.host.id, name: snapshot.host.name });
  engine.processAll(snapshotEvents(snapshot));
  if (opts.extraEvents) engine.processAll(opts.extraEvents());
  const findings = engine.results();
  const processes = new Map(snapshot.processes.map((p) => [p.pid, { ppid: p.ppid }]));
  const incidents = correlateIncidents(findings, { processes });
  return { snapshot, findings, incidents };
}
