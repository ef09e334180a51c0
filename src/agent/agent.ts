import { join } from 'node:path';
import type { Detector } from '../detect/detector.js';
import type { MinerHashList } from '../detect/detectors/miner-hash-list.js';
import { DetectionEngine } from '../detect/engine.js';
import { releaseRegexCaches } from '../detect/sigma/match/regex.js';
import type { TelemetryEvent } from '../model/event.js';
import type { Finding } from '../model/finding.js';
import type { Host } from '../model/host.js';
import { BuiltinDetectorSet } from '../scan/detector-set.js';
import { FileMemo } from '../scan/file-memo.js';
import { type ScanResult, scanHost } from '../scan/scan.js';
import { ExeHasher } from '../sources/procfs/exe-hash.js';
import { readLoadAvg } from '../sources/procfs/loadavg.js';
import { procDirOf } from '../sources/procfs/snapshot.js';
import type { Heartbeat, IngestBatch } from '../store/types.js';
import { batchesOfScan, runId, SelfUsage } from './batch.js';
import type { AgentConfig } from './config.js';
import { execHeartbeat } from './exec-feed.js';
import { ExecLiveDetection } from './exec-live.js';
import { DiskQueue } from './queue.js';
import { Shipper } from './shipper.js';
import type { Transport } from './transport.js';

/**
 * A live source of events. Feeds given to the agent (the real-time exec source) are detected as they arrive when
 * `liveExec` is set (exec-live.ts); without it they are kept, the last FEED_BUFFER events, and detected with the next
 * scan. Auth logs and DNS routing changes go through LiveDetection (live-detect.ts) instead.
 */
export interface EventFeed {
  readonly name: string;
  start(push: (e: TelemetryEvent) => void): void;
  stop(): Promise<void>;
  status(): Record<string, unknown>;
}

export interface AgentOptions {
  config: Readonly<AgentConfig>;
  transport: Transport;
  /** Scans the host; default scanHost from src/scan. Tests pass a fake to simulate agents. */
  scan?: (extraEvents: () => readonly TelemetryEvent[]) => Promise<ScanResult>;
  feeds?: readonly EventFeed[];
  version?: string;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** Fresh detectors with the server's rules and intel (src/agent/policy-sync.ts); undefined: the built-in set. */
  detectors?: (builtin: BuiltinDetectorSet) => Detector[] | undefined;
  /** Changes whenever `detectors` would give other rules or intel (swept files are then detected again). */
  detectorsGeneration?: () => number;
  /** More heartbeat fields (the content versions applied). */
  heartbeatExtras?: () => Partial<Heartbeat>;
  /** Read the host's auth log in every scan (default); off when a live follower already reads it as it grows. */
  scanAuthLog?: boolean;
  /**
   * Detect feed events as they arrive with the scan's detectors and queue their findings within about flushMs
   * (instead of keeping them for the next scan); `host` stands for the host until the first scan.
   */
  liveExec?: { host: Host; flushMs: number };
  /** The built-in miner hashes merged with the config's hash packs (read and checked at start); default built-in. */
  minerHashes?: MinerHashList;
  /** Called when a scan's batches are queued (the memory trim: what the scan mapped and does not use leaves RSS). */
  afterScan?: () => void;
  /**
   * Sees the findings of every batch queued (scans, live exec, auth logs, posture), for automatic response. Must
   * return at once (auto-respond.ts queues them); its errors are logged and never stop the batch.
   */
  onFindings?: (host: Host, findings: readonly Finding[]) => void;
}

const FEED_BUFFER = 10_000;

const withExec = (exec: Heartbeat['exec']): Partial<Heartbeat> => (exec ? { exec } : {});

export class Agent {
  readonly queue: DiskQueue;
  readonly shipper: Shipper;
  private readonly run = runId();
  private seq = 0;
  private readonly usage = new SelfUsage();
  private readonly hasher: ExeHasher;
  private builtin: BuiltinDetectorSet | undefined;
  private readonly fileMemo: FileMemo;
  private memoGeneration: number | undefined;
  private timers: NodeJS.Timeout[] = [];
  private host: Host | null = null;
  private events: TelemetryEvent[] = [];
  private feedDropped = 0;
  private scanning: Promise<void> | null = null;
  readonly execLive: ExecLiveDetection | null;
  scans = 0;
  lastError: string | null = null;
  /** Things started beside the agent (ban poller, metrics endpoint) that stop with it. */
  private readonly companions: { stop(): Promise<void> }[] = [];

  constructor(private readonly opts: AgentOptions) {
    const c = opts.config;
    this.queue = new DiskQueue(join(c.stateDir, 'queue.db'), c.queue);
    this.hasher = new ExeHasher(c.scan.hashMaxMb * 1024 * 1024);
    this.fileMemo = new FileMemo({ sweepIntervalMs: c.scan.sweepIntervalMs });
    this.shipper = new Shipper(this.queue, opts.transport, {
      initialBackoffMs: c.backoff.initialMs,
      maxBackoffMs: c.backoff.maxMs,
      onEvent: (e) => {
        if (e.kind !== 'sent') opts.log?.(`batch ${e.kind}`, { batchId: e.batchId, detail: e.detail });
      },
    });
    const live = opts.liveExec;
    this.execLive = live
      ? new ExecLiveDetection({
          host: () => this.host ?? live.host,
          detectors: () => this.scanDetectors(),
          // Renewed with every scan as the scan's own detectors are, so state kept per process stays bounded.
          generation: () => `${opts.detectorsGeneration?.() ?? 0}:${this.scans}`,
          enqueue: (b) => this.enqueue(b),
          flushMs: live.flushMs,
          procDir: procDirOf(c.scan.root),
          ...(opts.log ? { log: opts.log } : {}),
        })
      : null;
  }

  /** The detectors a scan runs now: the server's rules and intel when pushed, else the built-in set. */
  private scanDetectors(): Detector[] {
    this.builtin ??= new BuiltinDetectorSet(this.opts.config.scan.root, this.opts.minerHashes);
    return this.opts.detectors?.(this.builtin) ?? this.builtin.forScan();
  }

  private nextId(): string {
    return `${this.run}:${++this.seq}`;
  }

  private async defaultScan(extraEvents: () => readonly TelemetryEvent[]): Promise<ScanResult> {
    const s = this.opts.config.scan;
    // The exec feed covers process starts between scans, so a scan opens no netlink window of its own. The rule
    // pack, intel and the findings of unchanged swept files carry over between scans; when pushed rules or intel
    // change, every file is read and detected again.
    this.builtin ??= new BuiltinDetectorSet(s.root, this.opts.minerHashes);
    const pushed = this.opts.detectors?.(this.builtin);
    const generation = this.opts.detectorsGeneration?.();
    if (pushed && generation === undefined) this.fileMemo.forget();
    else if (generation !== this.memoGeneration) {
      this.fileMemo.forget();
      this.memoGeneration = generation;
    }
    const scan = await scanHost({
      root: s.root,
      sampleMs: s.sampleMs,
      hash: s.hash,
      hasher: this.hasher,
      detectors: pushed ?? this.builtin.forScan(),
      realtime: false,
      logs: this.opts.scanAuthLog ?? true,
      fileMemo: this.fileMemo,
    });
    const fed = extraEvents();
    if (fed.length === 0) return scan;
    // Events from live feeds are detected with the same detectors; a finding already in the scan keeps its copy.
    const engine = new DetectionEngine(this.scanDetectors(), {
      id: scan.snapshot.host.id,
      name: scan.snapshot.host.name,
    });
    engine.processAll(fed);
    const have = new Set(scan.findings.map((f) => f.id));
    for (const f of engine.results()) if (!have.has(f.id)) scan.findings.push(f);
    return scan;
  }

  heartbeat(): Heartbeat {
    const u = this.usage.sample();
    const q = this.queue.stats();
    return {
      id: this.nextId(),
      time: new Date().toISOString(),
      intervalMs: this.opts.config.heartbeatIntervalMs,
      ...(this.opts.version ? { agentVersion: this.opts.version } : {}),
      cpuPercent: u.cpuPercent,
      rssBytes: u.rssBytes,
      queueDepth: q.depth,
      queueDropped: this.queue.counter('dropped') + this.feedDropped,
      ...withExec(execHeartbeat(this.opts.feeds)),
      ...this.opts.heartbeatExtras?.(),
    };
  }

  /** The host as the last scan saw it; null before the first scan. */
  currentHost(): Host | null {
    return this.host;
  }

  attach(c: { stop(): Promise<void> }): void {
    this.companions.push(c);
  }

  enqueue(b: IngestBatch): void {
    this.queue.push(b.batchId, JSON.stringify(b));
    this.shipper.notify();
    if (this.opts.onFindings && b.findings.length > 0) {
      try {
        this.opts.onFindings(b.host, b.findings);
      } catch (err) {
        this.opts.log?.('findings hook failed', { error: (err as Error).message });
      }
    }
  }

  /** One scan: detect, then queue its batches (with a heartbeat and inventory). */
  async scanOnce(): Promise<void> {
    const events = this.events;
    this.events = [];
    const scan = await (this.opts.scan ?? ((x) => this.defaultScan(x)))(() => events);
    this.host = scan.snapshot.host;
    this.scans++;
    // Rule regexes' matching caches grow with what they have seen: start them afresh after the first scan (which
    // reads every swept file) and every ten scans after.
    if (this.scans === 1 || this.scans % 10 === 0) releaseRegexCaches();
    // The CPU sample (inventory.cpu) covers the scan's sampling window; the load average what came before it.
    const cpu = {
      windowMs: this.opts.config.scan.sampleMs,
      load: readLoadAvg(procDirOf(this.opts.config.scan.root)),
    };
    for (const b of batchesOfScan(scan.snapshot.host, scan, () => this.nextId(), this.heartbeat(), cpu))
      this.enqueue(b);
    this.opts.afterScan?.();
  }

  private guardedScan(): void {
    if (this.scanning) return;
    this.scanning = this.scanOnce()
      .catch((err: unknown) => {
        this.lastError = (err as Error).message;
        this.opts.log?.('scan failed', { error: this.lastError });
      })
      .finally(() => {
        this.scanning = null;
      });
  }

  private beat(): void {
    if (!this.host) return;
    this.enqueue({
      batchId: this.nextId(),
      host: this.host,
      findings: [],
      incidents: [],
      heartbeats: [this.heartbeat()],
      inventory: [],
    });
  }

  start(): void {
    for (const f of this.opts.feeds ?? [])
      f.start((e) => {
        // Detected live, an event has nothing left for a scan: the scan's detectors for its kind ran on it.
        if (this.execLive) {
          this.execLive.push(e);
          return;
        }
        if (this.events.length >= FEED_BUFFER) {
          this.events.shift();
          this.feedDropped++;
        }
        this.events.push(e);
      });
    // Say once which real-time source runs (netlink, or polling and why): polling misses short-lived droppers.
    for (const f of this.opts.feeds ?? []) this.opts.log?.(`source ${f.name}`, f.status());
    this.shipper.start();
    this.guardedScan();
    const c = this.opts.config;
    this.timers.push(setInterval(() => this.guardedScan(), c.scanIntervalMs));
    this.timers.push(setInterval(() => this.beat(), c.heartbeatIntervalMs));
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await Promise.all(this.companions.map((c) => c.stop().catch(() => undefined)));
    await Promise.all((this.opts.feeds ?? []).map((f) => f.stop()));
    this.execLive?.stop();
    await this.scanning;
    await this.shipper.stop();
    await this.opts.transport.close();
    this.queue.close();
  }
}
