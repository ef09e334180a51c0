import type { DiskQueue } from './queue.js';
import type { Transport } from './transport.js';

export interface ShipperOptions {
  initialBackoffMs: number;
  maxBackoffMs: number;
  onEvent?: (e: { kind: 'sent' | 'rejected' | 'retry'; batchId: string; detail?: string }) => void;
}

/**
 * Drains the disk queue in order, one batch at a time: a batch leaves the queue only after the server (or the
 * bus) acknowledged it, so delivery is at-least-once and the server's idempotent ingest makes it exactly-once
 * in storage. Failures back off exponentially with jitter, up to maxBackoffMs.
 */
export class Shipper {
  private backoff = 0;
  private wake: (() => void) | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  sent = 0;
  retries = 0;

  constructor(
    private readonly queue: DiskQueue,
    private readonly transport: Transport,
    private readonly opts: ShipperOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** New data arrived: stop waiting unless we are backing off from a failure. */
  notify(): void {
    if (this.backoff === 0) this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      const next = this.queue.peek();
      if (!next) {
        await this.sleep(60_000);
        continue;
      }
      const out = await this.transport.send(next.batchId, next.body);
      if (!this.running && out.kind !== 'ok') break;
      if (out.kind === 'ok') {
        this.queue.ack(next.seq);
        this.sent++;
        this.backoff = 0;
        this.opts.onEvent?.({ kind: 'sent', batchId: next.batchId });
      } else if (out.kind === 'rejected') {
        this.queue.reject(next.seq);
        this.opts.onEvent?.({
          kind: 'rejected',
          batchId: next.batchId,
          detail: `${out.status} ${out.message}`,
        });
      } else {
        this.retries++;
        this.backoff = Math.min(
          this.opts.maxBackoffMs,
          this.backoff === 0 ? this.opts.initialBackoffMs : this.backoff * 2,
        );
        this.opts.onEvent?.({ kind: 'retry', batchId: next.batchId, detail: out.reason });
        await this.sleep(this.backoff / 2 + Math.random() * (this.backoff / 2));
      }
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }
}
