import type { Stats } from 'node:fs';
import { loadGroupProfiles } from '../correlate/attribution.js';
import { correlateIncidents } from '../correlate/incidents.js';
import { enrichFindingsWithCost } from '../cost/enrich.js';
import { type PriceBasis, resolvePrice } from '../cost/resolve-price.js';
import type { Detector } from '../detect/detector.js';
import { builtinDetectors } from '../detect/detectors/index.js';
import { DetectionEngine } from '../detect/engine.js';
import { loadMinerPorts } from '../intel/miner-ports.js';
import { WarningSink } from '../model/errors.js';
import type { Finding } from '../model/finding.js';
import type { Incident } from '../model/incident.js';
import { severityRank } from '../model/severity.js';
import { readDpkgOwnership } from '../sources/dpkg/owned-files.js';
import { fileEvents } from '../sources/files/events.js';
import type { PersistenceKind } from '../sources/files/locations.js';
import { sweepFiles } from '../sources/files/sweep.js';
import { eachSnapshotEvent } from '../sources/procfs/events.js';
import { readHostInfo } from '../sources/procfs/host-info.js';
import { type HostSnapshot, type SnapshotOptions, takeSnapshot } from '../sources/procfs/snapshot.js';
import { compareText } from '../util/compare.js';
import { scanAuthLogs } from './auth-logs.js';
import type { FileMemo } from './file-memo.js';
import { type RealtimeReport, RealtimeWindow } from './realtime.js';

export interface ScanOptions extends SnapshotOptions {
  /** Sweep cron, systemd, rc files, authorized_keys, ld.so.preload and writable dirs. Default true. */
  files?: boolean;
  /** Read the host's auth log (/var/log/auth.log or /var/log/secure) for SSH attacks. Default true. */
  logs?: boolean;
  detectors?: readonly Detector[];
  /** Price of CPU time for evidence.cost on miner findings; default: resolvePrice() (docs/cost.md). */
  price?: PriceBasis;
  /** Watch process starts through netlink during the sampling window. Default: on for the live root with sampling. */
  realtime?: boolean;
  /** For repeated scans: files unchanged since the last sweep are not read again; their findings stand in. */
  fileMemo?: FileMemo;
}

export interface ScanResult {
  snapshot: HostSnapshot;
  findings: Finding[];
  incidents: Incident[];
  /** The price behind every cost figure of the scan. */
  price: PriceBasis;
  /** Present when the real-time window was tried. */
  realtime?: RealtimeReport;
}

/** One pass over the host: collect, turn into events, detect. */
export async function scanHost(opts: ScanOptions = {}): Promise<ScanResult> {
  const root = opts.root ?? '/';
  const useRealtime = opts.realtime ?? (root === '/' && (opts.sampleMs ?? 1000) > 0);
  const window = useRealtime ? new RealtimeWindow(readHostInfo('', '/proc', true).id) : null;
  let snapshot: HostSnapshot;
  try {
    snapshot = await takeSnapshot(opts);
  } catch (err) {
    await window?.close();
    throw err;
  }
  const seen = window ? await window.close() : null;
  const detectors =
    opts.detectors ?? builtinDetectors({ minerPorts: loadMinerPorts(), packages: readDpkgOwnership(root) });
  const engine = new DetectionEngine(detectors, { id: snapshot.host.id, name: snapshot.host.name });
  engine.processAll(eachSnapshotEvent(snapshot));
  const memo = opts.fileMemo;
  const prefix = root === '/' ? '' : root.replace(/\/+$/, '');
  if (opts.files !== false && memo && !memo.needsSweep(prefix, Date.now())) {
    // Nothing checked every scan changed since the last sweep: its findings and warnings stand in.
    const last = memo.carry();
    engine.adopt(last.findings);
    snapshot.warnings.push(...last.warnings);
  } else if (opts.files !== false) {
    const sink = new WarningSink();
    memo?.begin();
    // Homes come from passwd (swept) and the entries of /home.
    memo?.look(prefix, '/home', 'authorized_keys');
    // One file at a time: contents go through the detectors and are dropped, never held all at once.
    sweepFiles(root, sink, {
      onFile: (f) => {
        const events = fileEvents(snapshot.host.id, [f], snapshot.time);
        if (memo) memo.record(f.path, engine.processCollect(events));
        else engine.processAll(events);
      },
      ...(memo
        ? {
            unchanged: (path: string, st: Stats, kind: PersistenceKind) => {
              const found = memo.unchanged(path, st, kind);
              if (found) engine.adopt(found);
              return found !== undefined;
            },
            onLook: (path: string, kind: PersistenceKind) => memo.look(prefix, path, kind),
          }
        : {}),
    });
    memo?.end(sink.items);
    snapshot.warnings.push(...sink.items);
  }
  if (seen) {
    engine.processAll(seen.events);
    if (seen.report.mode === 'none') {
      snapshot.warnings.push({
        code: 'MW_W_EXEC_FALLBACK',
        message: `real-time exec events unavailable: ${seen.report.reason}`,
      });
    }
  }
  const findings = engine.results();
  if (opts.logs !== false) {
    const auth = await scanAuthLogs(root, { id: snapshot.host.id, name: snapshot.host.name });
    findings.push(...auth.findings);
    findings.sort(
      (a, b) => severityRank(b.severity) - severityRank(a.severity) || compareText(a.time, b.time),
    );
    snapshot.warnings.push(...auth.warnings);
  }
  const price = opts.price ?? resolvePrice();
  enrichFindingsWithCost(findings, snapshot.processes, price, snapshot.time);
  const processes = new Map(snapshot.processes.map((p) => [p.pid, { ppid: p.ppid }]));
  // Processes that came and went during the window are known only from their exec events.
  for (const e of seen?.events ?? []) {
    const pid = e.fields['process.pid'];
    const ppid = e.fields['process.ppid'];
    if (typeof pid === 'number' && typeof ppid === 'number' && !processes.has(pid))
      processes.set(pid, { ppid });
  }
  const incidents = correlateIncidents(findings, { processes, profiles: loadGroupProfiles() });
  return { snapshot, findings, incidents, price, ...(seen ? { realtime: seen.report } : {}) };
}
