import { correlateIncidents } from '../correlate/incidents.js';
import type { Detector } from '../detect/detector.js';
import { builtinDetectors } from '../detect/detectors/index.js';
import { DetectionEngine } from '../detect/engine.js';
import { loadMinerPorts } from '../intel/miner-ports.js';
import { WarningSink } from '../model/errors.js';
import type { TelemetryEvent } from '../model/event.js';
import type { Finding } from '../model/finding.js';
import type { Incident } from '../model/incident.js';
import { fileEvents } from '../sources/files/events.js';
import { sweepFiles } from '../sources/files/sweep.js';
import { snapshotEvents } from '../sources/procfs/events.js';
import { type HostSnapshot, type SnapshotOptions, takeSnapshot } from '../sources/procfs/snapshot.js';

export interface ScanOptions extends SnapshotOptions {
  /** Sweep cron, systemd, rc files, authorized_keys, ld.so.preload and writable dirs. Default true. */
  files?: boolean;
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
  if (opts.files !== false) {
    const sink = new WarningSink();
    const files = sweepFiles(opts.root ?? '/', sink);
    engine.processAll(fileEvents(snapshot.host.id, files, snapshot.time));
    snapshot.warnings.push(...sink.items);
  }
  if (opts.extraEvents) engine.processAll(opts.extraEvents());
  const findings = engine.results();
  const processes = new Map(snapshot.processes.map((p) => [p.pid, { ppid: p.ppid }]));
  const incidents = correlateIncidents(findings, { processes });
  return { snapshot, findings, incidents };
}
