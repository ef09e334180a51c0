import type { Alert, SinkStats, SinkTransport } from './types.js';

export interface RunnerOptions {
  /** Alerts waiting; past this, new ones are dropped and counted. */
  maxQueue: number;
  /** Retries after the first attempt before the alert is given up and counted as failed. */
  retries: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

/**
 * Puts a bounded queue and one delivery loop in front of a transport, so a slow or dead receiver costs memory up
 * to `maxQueue` alerts and never time on the ingest path: `offer` is synchronous and never throws.
 */
export class SinkRunner {
  private readonly queue: Alert[] = [];
  private readonly counts = { offered: 0, delivered: 0, dropped: 0, failed: 0, retries: 0 };
  private wake: (() => void) | null = null;
  private running = true;
  private busy = false;
  private readonly loop: Promise<void>;

  constructor(
    readonly name: string,
    readonly type: string,
    private readonly transport: SinkTransport,
    private readonly opts: RunnerOptions,
    private readonly onError: (sink: string, err: Error) => void = () => {},
  ) {
    this.loop = this.run();
  }

  offer(alert: Alert): boolean {
    this.counts.offered++;
    if (!this.running || this.queue.length >= this.opts.maxQueue) {
      this.counts.dropped++;
      return false;
    }
    this.queue.push(alert);
    this.wake?.();
    return true;
  }

  stats(): SinkStats {
    return { ...this.counts, depth: this.queue.length + (this.busy ? 1 : 0) };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(t);
        self.wake = null;
        resolve();
      }
      this.wake = done;
    });
  }

  private async deliver(a: Alert): Promise<void> {
    let backoff = this.opts.initialBackoffMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.transport.send(a);
        this.counts.delivered++;
        return;
      } catch (err) {
        if (attempt >= this.opts.retries || !this.running) {
          this.counts.failed++;
          this.onError(this.name, err as Error);
          return;
        }
        this.counts.retries++;
        await this.sleep(backoff / 2 + Math.random() * (backoff / 2));
        backoff = Math.min(this.opts.maxBackoffMs, backoff * 2);
      }
    }
  }

  private async run(): Promise<void> {
    while (this.running || this.queue.length > 0) {
      const next = this.queue.shift();
      if (!next) {
        if (!this.running) break;
        await this.sleep(60_000);
        continue;
      }
      this.busy = true;
      await this.deliver(next);
      this.busy = false;
    }
  }

  /** Stops taking alerts, tries what is queued (one attempt each once closing), then closes the transport. */
  async close(deadlineMs = 5000): Promise<void> {
    this.running = false;
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadlineMs);
    });
    await Promise.race([this.loop, late]);
    clearTimeout(timer);
    this.counts.failed += this.queue.length;
    this.queue.length = 0;
    await this.transport.close().catch(() => undefined);
  }
}
