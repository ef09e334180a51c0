import type { Detector } from '../detect/detector.js';
import { DetectionEngine } from '../detect/engine.js';
import { StatefulDetection } from '../detect/stateful.js';
import type { TelemetryEvent } from '../model/event.js';
import type { Finding } from '../model/finding.js';
import type { Host } from '../model/host.js';
import type { IngestBatch } from '../store/types.js';
import type { EventFeed } from './agent.js';
import { findingBatches, runId } from './batch.js';

export interface LiveDetectionOptions {
  /** The host the findings are about (the last scan's view, or what was read at start). */
  host: () => Host;
  /** A fresh set of detectors: the stateful ones (SSH windows) keep their state for the life of the engine. */
  detectors: () => Detector[];
  /**
   * Stateless detectors that may change while the agent runs (the server's Sigma pack): a new list gets a new
   * engine of its own, so the stateful windows above are not reset by a rule update.
   */
  extra?: () => readonly Detector[];
  feeds: readonly EventFeed[];
  enqueue: (b: IngestBatch) => void;
  /** Events are detected as they arrive; new or changed findings are queued together after this delay. */
  flushMs: number;
  /** Past this many findings the engine starts over (windows reset), so a long-lived agent stays bounded. */
  maxFindings?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/**
 * Detection on live sources (auth logs, DNS routing files) between scans: each event goes through one long-lived
 * engine as it arrives, and a finding is queued when it first appears and again whenever its evidence grows (a
 * brute force keeps counting), so the server sees an attack within about `flushMs`, not at the next scan.
 */
export class LiveDetection {
  events = 0;
  shipped = 0;
  resets = 0;
  private det: StatefulDetection | null = null;
  private extraList: readonly Detector[] | undefined;
  private extraEngine: DetectionEngine | null = null;
  /** What was last queued per finding id, so only new or changed findings leave again. */
  private sent = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private readonly run = runId();
  private seq = 0;
  private stopped = false;

  constructor(private readonly o: LiveDetectionOptions) {}

  start(): void {
    for (const f of this.o.feeds) {
      f.start((e) => this.push(e));
      this.o.log?.(`source ${f.name}`, f.status());
    }
  }

  push(e: TelemetryEvent): void {
    if (this.stopped) return;
    if (!this.det) {
      const h = this.o.host();
      this.det = new StatefulDetection(this.o.detectors(), { id: h.id, name: h.name });
    }
    this.det.process(e);
    const extra = this.o.extra?.();
    if (extra !== this.extraList) {
      this.extraList = extra;
      const h = this.o.host();
      this.extraEngine =
        extra && extra.length > 0 ? new DetectionEngine(extra, { id: h.id, name: h.name }) : null;
    }
    this.extraEngine?.process(e);
    this.events++;
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.flush();
    }, this.o.flushMs);
  }

  /** Queues new and changed findings now. */
  flush(): void {
    if (!this.det) return;
    const changed: Finding[] = [];
    const all = [...this.det.results(), ...(this.extraEngine?.results() ?? [])];
    for (const f of all) {
      const sig = JSON.stringify([f.severity, f.title, f.confidence, f.evidence]);
      if (this.sent.get(f.id) === sig) continue;
      this.sent.set(f.id, sig);
      changed.push(f);
    }
    if (all.length >= (this.o.maxFindings ?? 20_000)) {
      // Dropping the engine loses open windows; keeping it would grow without end on an internet-facing host.
      this.det = null;
      this.extraEngine = null;
      this.extraList = undefined;
      this.sent.clear();
      this.resets++;
      this.o.log?.('live detection reset', { findings: all.length });
    }
    if (changed.length === 0) return;
    for (const b of findingBatches(this.o.host(), changed, () => `${this.run}:live:${++this.seq}`))
      this.o.enqueue(b);
    this.shipped += changed.length;
  }

  status(): Record<string, unknown> {
    return {
      events: this.events,
      shipped: this.shipped,
      resets: this.resets,
      feeds: Object.fromEntries(this.o.feeds.map((f) => [f.name, f.status()])),
    };
  }

  async stop(): Promise<void> {
    // Feeds may hand over their last lines while stopping; those are still detected and flushed.
    await Promise.all(this.o.feeds.map((f) => f.stop().catch(() => undefined)));
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flush();
  }
}
