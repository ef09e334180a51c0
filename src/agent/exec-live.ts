import type { Detector, Hit } from '../detect/detector.js';
import { DetectionEngine } from '../detect/engine.js';
import type { EventKind, TelemetryEvent } from '../model/event.js';
import type { Finding } from '../model/finding.js';
import type { Host } from '../model/host.js';
import { containerFromCgroup } from '../sources/procfs/cgroup.js';
import { readBootTimeMs } from '../sources/procfs/host-info.js';
import { startTimeMs } from '../sources/procfs/process.js';
import { readProcText } from '../sources/procfs/read.js';
import { parseStat } from '../sources/procfs/stat.js';
import type { IngestBatch } from '../store/types.js';
import { findingBatches, runId } from './batch.js';

export interface ExecLiveOptions {
  /** The host the findings are about (the last scan's view, or what was read at start). */
  host: () => Host;
  /** The detectors a scan runs now; each event goes to those that take its kind. Asked again when `generation` moves. */
  detectors: () => readonly Detector[];
  /** Changes whenever `detectors` should be asked again (other rules or intel; the agent: every scan). */
  generation?: () => unknown;
  enqueue: (b: IngestBatch) => void;
  /**
   * Findings leave at most once per flushMs; the first after a quiet spell leaves as soon as the hand-off batch it
   * came in has been detected.
   */
  flushMs: number;
  /** The procfs the exec events come from: the container of a process that hit is read there. */
  procDir: string;
  /** How many shipped finding ids are remembered to keep repeats from leaving again. */
  maxRemembered?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

type Found = [Detector, Hit | Hit[]];

/**
 * The exec feed's events detected as they arrive, so a miner or dropper started between scans reaches the server
 * within about a second of its exec instead of at the next scan. Each event goes only to the scan's detectors that
 * take its kind (for an exec: command line, location, masquerade, deleted image, SSH spreading, the pack's
 * process_creation rules); nothing is hashed, and nothing is read for an event that hits nothing. Findings get the
 * ids the scan gives the same process (same detectors, same entity), so a process still alive at the next scan is
 * one finding on the server. The detectors live as long as their generation (the agent renews them with every scan),
 * so the state of stateful ones (SSH spreading) stays bounded.
 */
export class ExecLiveDetection {
  events = 0;
  hits = 0;
  shipped = 0;
  errors = 0;
  /** Wall time spent detecting, ns (what live detection costs the main thread; read by bench/exec-live). */
  detectNs = 0n;
  private byKind: Map<EventKind, Detector[]> | null = null;
  private gen: unknown;
  /** Findings of the current flush window; a fresh engine per window keeps memory flat on a busy host. */
  private engine: DetectionEngine | null = null;
  /** What was last queued per finding id (oldest first), so only new or changed findings leave again. */
  private readonly sent = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private lastFlush = 0;
  private bootTimeMs: number | undefined;
  private readonly run = runId();
  private seq = 0;
  private stopped = false;

  constructor(private readonly o: ExecLiveOptions) {}

  /** Detects one feed event; findings leave with the next flush. */
  push(e: TelemetryEvent): void {
    if (this.stopped) return;
    this.events++;
    const t0 = process.hrtime.bigint();
    try {
      this.detect(e);
    } catch (err) {
      // A detector bug must not stop the feed or the agent; it is logged once and counted.
      if (this.errors++ === 0) this.o.log?.('exec live detection failed', { error: (err as Error).message });
    }
    this.detectNs += process.hrtime.bigint() - t0;
  }

  private detectorsFor(kind: EventKind): readonly Detector[] {
    const g = this.o.generation?.();
    if (!this.byKind || g !== this.gen) {
      this.byKind = new Map();
      for (const d of this.o.detectors())
        for (const k of d.kinds) {
          const list = this.byKind.get(k);
          if (list) list.push(d);
          else this.byKind.set(k, [d]);
        }
      this.gen = g;
    }
    return this.byKind.get(kind) ?? [];
  }

  private detect(e: TelemetryEvent): void {
    let found: Found[] | null = null;
    for (const d of this.detectorsFor(e.kind)) {
      const out = d.detect(e);
      if (out === null) continue;
      if (found) found.push([d, out]);
      else found = [[d, out]];
    }
    if (!found) return;
    this.hits++;
    this.alignWithScan(e, found);
    if (!this.engine) {
      const h = this.o.host();
      this.engine = new DetectionEngine([], { id: h.id, name: h.name });
    }
    for (const [d, out] of found) this.engine.report(d, out, e.time);
    if (!this.timer) {
      const wait = Math.max(0, this.lastFlush + this.o.flushMs - Date.now());
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, wait);
    }
  }

  /**
   * A process's finding id includes its name and container as the scan sees them: the name now (a miner often
   * rewrites its comm right after exec) and the container (which the exec source does not read). So for an event
   * that hit, and only if its pid still names the same process, both are read from /proc once and set on the hits;
   * a process already gone keeps what the exec source read, and no scan will see it.
   */
  private alignWithScan(e: TelemetryEvent, found: readonly Found[]): void {
    const f = e.fields;
    const pid = f['process.pid'];
    const start = f['process.startTime'];
    if (typeof pid !== 'number' || typeof start !== 'number') return;
    const dir = `${this.o.procDir}/${pid}`;
    let name: string;
    let container: string | null = null;
    try {
      const stat = parseStat(readProcText(`${dir}/stat`));
      this.bootTimeMs ??= readBootTimeMs(this.o.procDir);
      if (!stat || startTimeMs(this.bootTimeMs, stat.starttime) !== start) return;
      name = stat.comm;
      if (!f['process.containerId'])
        container = containerFromCgroup(readProcText(`${dir}/cgroup`))?.id ?? null;
    } catch {
      return;
    }
    for (const [, out] of found)
      for (const hit of Array.isArray(out) ? out : [out]) {
        if (hit.entity.kind !== 'process' || hit.entity.pid !== pid) continue;
        if (name !== '') hit.entity.name = name;
        if (container) hit.entity.container ??= container;
      }
  }

  /** Queues the findings of the window now, those not queued before with the same content. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const engine = this.engine;
    this.engine = null;
    if (!engine) return;
    this.lastFlush = Date.now();
    const changed: Finding[] = [];
    for (const f of engine.results()) {
      const sig = JSON.stringify([f.severity, f.title, f.confidence, f.evidence]);
      if (this.sent.get(f.id) === sig) continue;
      this.remember(f.id, sig);
      changed.push(f);
    }
    if (changed.length === 0) return;
    for (const b of findingBatches(this.o.host(), changed, () => `${this.run}:exec:${++this.seq}`))
      this.o.enqueue(b);
    this.shipped += changed.length;
  }

  private remember(id: string, sig: string): void {
    // Re-inserted so the Map's order stays oldest-first; past the bound the oldest go (they may leave once more).
    this.sent.delete(id);
    this.sent.set(id, sig);
    if (this.sent.size > (this.o.maxRemembered ?? 10_000)) {
      const oldest = this.sent.keys().next();
      if (!oldest.done) this.sent.delete(oldest.value);
    }
  }

  status(): Record<string, unknown> {
    return {
      events: this.events,
      hits: this.hits,
      shipped: this.shipped,
      errors: this.errors,
      execDetectors: this.byKind?.get('exec')?.length ?? 0,
    };
  }

  /** Flushes what is pending; call after the feed stopped. */
  stop(): void {
    this.stopped = true;
    this.flush();
  }
}
