import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export interface QueuedBatch {
  seq: number;
  batchId: string;
  body: string;
}

export interface QueueLimits {
  maxBatches: number;
  maxBytes: number;
}

/**
 * Batches wait here, on disk, until the server acknowledges them: a crash or a long outage loses nothing that was
 * enqueued. Bounded: past the limits the oldest batches go first and are counted (the count survives restarts and
 * is reported in heartbeats). Later scans re-report what is still true, so losing old batches loses history, not
 * the current state.
 */
function prepareAll(db: InstanceType<typeof Database>) {
  return {
    insert: db.prepare('INSERT INTO queue (batch_id, bytes, body) VALUES (?, ?, ?)'),
    oldest: db.prepare('SELECT seq, bytes FROM queue ORDER BY seq'),
    del: db.prepare('DELETE FROM queue WHERE seq = ?'),
    peek: db.prepare('SELECT seq, batch_id, body FROM queue ORDER BY seq LIMIT 1'),
    bump: db.prepare(
      'INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value',
    ),
    counter: db.prepare('SELECT value FROM counters WHERE name = ?'),
    stats: db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM queue'),
  };
}

export class DiskQueue {
  private readonly db: InstanceType<typeof Database>;
  private readonly limits: QueueLimits;
  // Prepared once: compiling a statement on every push, peek and ack cost more than running it.
  private readonly sql: ReturnType<typeof prepareAll>;

  constructor(path: string, limits: QueueLimits) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, batch_id TEXT NOT NULL,
      bytes INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)`);
    this.limits = limits;
    this.sql = prepareAll(this.db);
  }

  push(batchId: string, body: string): void {
    const bytes = Buffer.byteLength(body);
    this.db.transaction(() => {
      this.sql.insert.run(batchId, bytes, body);
      const s = this.stats();
      let over = Math.max(0, s.depth - this.limits.maxBatches);
      let bytesOver = s.bytes - this.limits.maxBytes;
      if (over === 0 && bytesOver <= 0) return;
      const oldest = this.sql.oldest.iterate() as IterableIterator<{ seq: number; bytes: number }>;
      const drop: number[] = [];
      for (const r of oldest) {
        if (over <= 0 && bytesOver <= 0) break;
        // Never drop the batch just added: a single batch over maxBytes is still sent.
        if (drop.length === s.depth - 1) break;
        drop.push(r.seq);
        over--;
        bytesOver -= r.bytes;
      }
      for (const seq of drop) this.sql.del.run(seq);
      this.bump('dropped', drop.length);
    })();
  }

  peek(): QueuedBatch | null {
    const r = this.sql.peek.get() as { seq: number; batch_id: string; body: string } | undefined;
    return r ? { seq: r.seq, batchId: r.batch_id, body: r.body } : null;
  }

  ack(seq: number): void {
    this.sql.del.run(seq);
  }

  /** Drops one batch the server refused as invalid (4xx): resending it would block the queue forever. */
  reject(seq: number): void {
    this.db.transaction(() => {
      this.ack(seq);
      this.bump('rejected', 1);
    })();
  }

  private bump(name: string, n: number): void {
    if (n === 0) return;
    this.sql.bump.run(name, n);
  }

  counter(name: 'dropped' | 'rejected'): number {
    const r = this.sql.counter.get(name) as { value: number } | undefined;
    return r?.value ?? 0;
  }

  stats(): { depth: number; bytes: number } {
    const r = this.sql.stats.get() as {
      n: number;
      b: number;
    };
    return { depth: r.n, bytes: r.b };
  }

  close(): void {
    this.db.close();
  }
}
