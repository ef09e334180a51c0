import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CloudLogWatcher, CloudWatchBatch } from '../detect/cloud/watch.js';
import { cloudFeedDirs } from '../detect/cloud/watch-config.js';
import type { Finding } from '../model/finding.js';
import { defaultFeedStatePath } from '../sources/cloud/dir-feed.js';
import type { Store } from '../store/store.js';
import { MAX_BATCH_FINDINGS } from '../store/types.js';
import { byHost, storedHostOf } from './cloud-hosts.js';
import type { ServerConfig } from './config.js';
import type { IngestService } from './ingest.js';

/**
 * Where the watch state lives unless `cloud.state` says: beside `cloudlogs --watch`'s for the same directories but
 * not the same file, so a `cloudlogs --watch` run over them does not take the server's files as read.
 */
export function serverStatePath(roots: readonly string[]): string {
  const p = defaultFeedStatePath(roots);
  return join(dirname(p), `server-${basename(p)}`);
}

/** Prefix of the batches the server writes for cloud logs it watches itself. */
export const CLOUD_BATCH_PREFIX = 'cloud:';

export type CloudIngestLog = (
  level: 'info' | 'warn' | 'error',
  msg: string,
  f?: Record<string, unknown>,
) => void;

/**
 * The server's own watch of cloud-log directories (`server --cloud-*`, as cloudlogs --watch): each look's new
 * findings go through the ingest path agents use (store, sinks, fleet correlation), one batch per host the cloud
 * detectors named, before the watch state saves them as reported. A crash in between repeats the batch; finding ids
 * come from host, rule and entity, so the store keeps one record.
 */
export class CloudIngest {
  looks = 0;
  findings = 0;
  lastError: string | null = null;
  private readonly stopper = new AbortController();
  private running: Promise<void> | null = null;

  constructor(
    private readonly watcher: CloudLogWatcher,
    private readonly store: Store,
    private readonly ingest: IngestService,
    private readonly intervalMs: number,
    private readonly log: CloudIngestLog = () => {},
  ) {}

  /**
   * The watcher for the server's `cloud` config, or null when no directory is given; opened before the store, so a
   * directory that is missing or a file fails the start with the flag and the path.
   */
  static async openWatcher(c: ServerConfig['cloud']): Promise<CloudLogWatcher | null> {
    const roots = cloudFeedDirs(c);
    if (roots.length === 0) return null;
    const { openCloudFeed } = await import('../detect/cloud/watch-open.js');
    return openCloudFeed(c, c.state ?? serverStatePath(roots));
  }

  private async onBatch(b: CloudWatchBatch): Promise<void> {
    this.looks++;
    for (const w of b.warnings) this.log('warn', 'cloud log warning', { path: w.path, message: w.message });
    for (const list of byHost(b.findings).values()) {
      const host = await storedHostOf(this.store, (list[0] as Finding).host);
      for (let i = 0; i < list.length; i += MAX_BATCH_FINDINGS) {
        const part = list.slice(i, i + MAX_BATCH_FINDINGS);
        // Derived from the findings: a batch repeated after a crash has the id it had.
        const key = createHash('sha256')
          .update(part.map((f) => f.id).join('\n'))
          .digest('hex')
          .slice(0, 24);
        await this.ingest.accept(
          {
            batchId: `${CLOUD_BATCH_PREFIX}${host.id.slice(0, 128)}:${key}`,
            host,
            findings: part,
            incidents: [],
            heartbeats: [],
            inventory: [],
          },
          null,
          'local',
        );
      }
    }
    this.findings += b.findings.length;
    if (b.findings.length > 0)
      this.log('info', 'cloud findings stored', { files: b.files.length, findings: b.findings.length });
  }

  /** One look now (tests; the loop calls the same). */
  poll(): Promise<CloudWatchBatch> {
    return this.watcher.poll((b) => this.onBatch(b));
  }

  start(): void {
    this.running ??= this.loop();
  }

  private async loop(): Promise<void> {
    const signal = this.stopper.signal;
    while (!signal.aborted) {
      try {
        await this.watcher.run((b) => this.onBatch(b), this.intervalMs, signal);
      } catch (err) {
        // The store failing (a database restart) ends a look before its state is saved: its files are read again
        // at the next one, and the watch goes on.
        this.lastError = (err as Error).message;
        this.log('error', 'cloud log look failed', { error: this.lastError });
        await sleep(this.intervalMs, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /** Stops looking; a look in flight finishes its ingest before the store closes. */
  async close(): Promise<void> {
    this.stopper.abort();
    await this.running;
  }
}
