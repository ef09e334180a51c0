/**
 * Group commit: callers submit work items and each awaits its own result, but items that arrive close together
 * are applied in one shared transaction. The per-transaction cost (BEGIN/COMMIT, the WAL write or fsync, the round
 * trips to PostgreSQL) is then paid once per group instead of once per request. A caller's promise settles only
 * after the transaction holding its item committed, so "acknowledged" still means "durable".
 */
export interface GroupCommitOptions {
  /** At most one group starts per window; under light load an item waits at most this long, often not at all. */
  windowMs: number;
  /** A group holds items until their weight reaches this; one heavier item still goes, alone. */
  maxWeight: number;
}

interface Waiting<I, R> {
  item: I;
  weight: number;
  resolve: (r: R) => void;
  reject: (err: unknown) => void;
}

export class GroupCommitter<I, R> {
  private queue: Waiting<I, R>[] = [];
  private queuedWeight = 0;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private lastStart = 0;

  /**
   * `apply` runs one group in one transaction and returns one result per item, in order. When it throws, each item
   * is retried alone, so one bad item fails only its own caller.
   */
  constructor(
    private readonly apply: (items: readonly I[]) => Promise<R[]>,
    private readonly opts: GroupCommitOptions,
  ) {}

  submit(item: I, weight: number): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, weight, resolve, reject });
      this.queuedWeight += weight;
      this.schedule();
    });
  }

  /** Resolves when everything submitted so far has been applied (or failed). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.running) {
      if (!this.running) this.start();
      await this.running;
    }
  }

  private schedule(): void {
    // A running group reschedules when it ends; items wait for it, which is what makes groups form under load.
    if (this.running) return;
    if (this.queuedWeight >= this.opts.maxWeight) {
      this.clearTimers();
      this.immediate = setImmediate(() => this.start());
      return;
    }
    if (this.timer || this.immediate) return;
    const wait = this.lastStart + this.opts.windowMs - Date.now();
    // setImmediate still collects everything whose request finished in the same event-loop turn.
    if (wait <= 0) this.immediate = setImmediate(() => this.start());
    else this.timer = setTimeout(() => this.start(), wait);
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private start(): void {
    this.clearTimers();
    if (this.running || this.queue.length === 0) return;
    let weight = 0;
    let n = 0;
    while (n < this.queue.length) {
      const w = this.queue[n]?.weight ?? 0;
      if (n > 0 && weight + w > this.opts.maxWeight) break;
      weight += w;
      n++;
    }
    const group = this.queue.splice(0, n);
    this.queuedWeight -= weight;
    this.lastStart = Date.now();
    this.running = this.run(group).finally(() => {
      this.running = null;
      if (this.queue.length > 0) this.schedule();
    });
  }

  private async run(group: Waiting<I, R>[]): Promise<void> {
    try {
      const results = await this.apply(group.map((w) => w.item));
      for (const [i, w] of group.entries()) w.resolve(results[i] as R);
      return;
    } catch (err) {
      if (group.length === 1) {
        group[0]?.reject(err);
        return;
      }
    }
    for (const w of group) {
      try {
        const [r] = await this.apply([w.item]);
        w.resolve(r as R);
      } catch (err) {
        w.reject(err);
      }
    }
  }
}
