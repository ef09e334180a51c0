import { join } from 'node:path';
import type { CloudLogWatcher, CloudWatchBatch } from '../detect/cloud/watch.js';
import { cloudFeedDirs } from '../detect/cloud/watch-config.js';
import type { PoolIntel } from '../intel/pools/index.js';
import type { Host } from '../model/host.js';
import type { IngestBatch } from '../store/types.js';
import type { Agent, AgentOptions } from './agent.js';
import { findingBatches, runId } from './batch.js';
import type { AgentConfig } from './config.js';

/** The watch state (files read, findings reported) in the agent's state directory. */
export const CLOUD_STATE_FILE = 'cloud-watch.json';

export interface CloudFeedOptions {
  intervalMs: number;
  /** The agent's host: batches ship as it (the server checks that); findings keep the host the cloud log names. */
  host: () => Host;
  enqueue: (b: IngestBatch) => void;
  log?: AgentOptions['log'];
}

/**
 * Cloud logs from directories a log shipper fills, watched by the agent: each look reads the files completed since
 * the last (CloudLogWatcher) and queues the new findings on the agent's disk queue, before the watch state saves
 * them as reported. A crash in between repeats a batch, never loses one; the findings' ids are derived from host,
 * rule and entity, so the server stores a repeat once. Findings keep the host the cloud detectors give them (the
 * instance, or the host id the host map joins it to): the server takes those about another host only from an
 * agent its `cloud.collectors` lists, and stores them under that host.
 */
export class AgentCloudFeed {
  looks = 0;
  findings = 0;
  lastError: string | null = null;
  private readonly stopper = new AbortController();
  private running: Promise<void> | null = null;
  private readonly run = runId();
  private seq = 0;

  constructor(
    private readonly watcher: CloudLogWatcher,
    private readonly o: CloudFeedOptions,
  ) {}

  /** Queues one look's findings, in batches of at most MAX_BATCH_FINDINGS. */
  private onBatch(b: CloudWatchBatch): void {
    this.looks++;
    for (const w of b.warnings) this.o.log?.('cloud log warning', { path: w.path, message: w.message });
    if (b.findings.length === 0) return;
    const host = this.o.host();
    // Findings about this host apart from those about others: a server that does not take the latter from this
    // agent (not a cloud collector) refuses their batches only.
    const own = b.findings.filter((f) => f.host.id === host.id);
    const other = b.findings.filter((f) => f.host.id !== host.id);
    for (const list of [own, other])
      for (const b of findingBatches(host, list, () => `${this.run}:cloud:${++this.seq}`)) this.o.enqueue(b);
    this.findings += b.findings.length;
    this.o.log?.('cloud findings queued', { files: b.files.length, findings: b.findings.length });
  }

  /** One look now (tests; the loop calls the same). */
  poll(): Promise<CloudWatchBatch> {
    return this.watcher.poll((b) => this.onBatch(b));
  }

  start(): void {
    this.running ??= this.watcher
      .run((b) => this.onBatch(b), this.o.intervalMs, this.stopper.signal)
      .catch((err: unknown) => {
        // Only a bug ends the loop (input trouble comes back as a warning); the agent goes on without it.
        this.lastError = (err as Error).message;
        this.o.log?.('cloud log watch stopped', { error: this.lastError });
      });
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    // A look in flight finishes its enqueue before the agent closes the queue.
    await this.running;
  }

  get filesRead(): number {
    return this.watcher.filesDone;
  }

  status(): Record<string, unknown> {
    return {
      intervalMs: this.o.intervalMs,
      looks: this.looks,
      filesRead: this.watcher.filesDone,
      findings: this.findings,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }
}

/**
 * The watcher for the agent's `cloud` config (state in its state directory), or null when no directory is given.
 * Called before enrollment: a directory that is missing or a file fails the start with the flag and the path.
 * `pushedIntel` gives the pool intel the server pushed (ContentSync), used from the look after it arrives.
 */
export async function openAgentCloudWatch(
  config: Readonly<AgentConfig>,
  pushedIntel?: () => PoolIntel | null,
): Promise<CloudLogWatcher | null> {
  // Loaded only when used: an agent without cloud directories never loads the cloud readers and detectors.
  if (cloudFeedDirs(config.cloud).length === 0) return null;
  const { openCloudFeed } = await import('../detect/cloud/watch-open.js');
  return openCloudFeed(config.cloud, join(config.stateDir, CLOUD_STATE_FILE), pushedIntel);
}

/** The watch as an agent companion (stops with it): its findings go to the agent's queue. */
export function attachCloudFeed(
  agent: Agent,
  config: Readonly<AgentConfig>,
  watcher: CloudLogWatcher,
  host: Host,
  log?: AgentOptions['log'],
): AgentCloudFeed {
  const feed = new AgentCloudFeed(watcher, {
    intervalMs: config.cloud.intervalMs,
    host: () => agent.currentHost() ?? host,
    enqueue: (b) => agent.enqueue(b),
    ...(log ? { log } : {}),
  });
  agent.attach(feed);
  return feed;
}
