import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Row, SqlDriver, SqlExecutor, SqlValue } from '../sql/driver.js';

type Db = InstanceType<typeof Database>;

/**
 * Runs WAL checkpoints on its own connection in a worker thread. Left to the writer, SQLite checkpoints inside the
 * COMMIT that crosses the threshold, copying ~1,000 pages and syncing the file on the event loop: every request
 * waiting behind that commit sees the pause. PASSIVE never blocks the writer; but under steady writes it never
 * catches up with the newest frames, so the WAL is rewound by a RESTART once it is large. A RESTART holds the
 * writer lock while it copies the frames appended since the last pass and syncs the WAL and the database file; on a
 * VM whose fsync of a few MB takes 20-35 ms that held every ingest commit 30-60 ms, once a second at 1,000
 * requests/s (~37 MB of WAL frames a second), and those waits were the ingest p99. So the WAL and the newest frames are
 * flushed first, outside the lock, leaving the RESTART little to sync; it never sleeps in the busy handler with the
 * lock held; and it runs at most every RESTART_EVERY_MS unless the WAL reaches CHECKPOINT_HARD_PAGES.
 */
const CHECKPOINTER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
let lastRestart = 0;
let stopped = false;
const syncWal = () => {
  try {
    const fd = fs.openSync(workerData.path + '-wal', 'r');
    try { fs.fdatasyncSync(fd); } finally { fs.closeSync(fd); }
  } catch {}
};
const run = () => {
  try {
    // A pass copies the frames that existed when it began; the next few passes copy what arrived meanwhile.
    let r;
    for (let i = 0; i < 5; i++) {
      [r] = db.pragma('wal_checkpoint(PASSIVE)');
      if (!r || r.log === r.checkpointed) break;
    }
    if (!r || r.log <= workerData.restartPages) return;
    const now = Date.now();
    if (now - lastRestart < workerData.restartEveryMs && r.log <= workerData.hardPages) return;
    syncWal();
    db.pragma('wal_checkpoint(PASSIVE)');
    syncWal();
    restart(RESTART_TRIES);
  } catch {}
};
// Without waiting: SQLite's busy handler would sleep (1, 2, 5, 10 ms ...) while it holds the writer lock, whenever
// a read of the server's is in flight; a try that finds the writer or a reader busy gives up at once and is retried.
const restart = (tries) => {
  if (stopped) return;
  let done = false;
  try {
    db.pragma('busy_timeout = 0');
    const [q] = db.pragma('wal_checkpoint(RESTART)');
    done = !!q && q.busy === 0;
  } catch {}
  try { db.pragma('busy_timeout = 5000'); } catch {}
  if (done) lastRestart = Date.now();
  else if (tries > 1) setTimeout(() => restart(tries - 1), RESTART_RETRY_MS);
};
const RESTART_TRIES = 20;
const RESTART_RETRY_MS = 7;
const timer = setInterval(run, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'stop') { clearInterval(timer); stopped = true; run(); db.close(); parentPort.close(); }
});
`;
/**
 * A pass copies each page changed since the last one once, however often it changed: under ingest the same index
 * pages change many times a second, so a pass every second instead of every 200 ms copied and synced ~40% less
 * (the checkpointer thread's CPU in bench/ingest, SQLite, 3 + 3 runs: 0.7-1.0 s instead of 1.3-1.5 s).
 */
const CHECKPOINT_INTERVAL_MS = 1000;
const BUSY_TIMEOUT_MS = 5000;
/**
 * The worker starts once this many transactions have committed: a server under write load gets it within seconds,
 * while one-shot commands and light users keep SQLite's own checkpointing and skip starting a thread.
 */
const CHECKPOINTER_AFTER_COMMITS = 100;
/** 16 MB of 4 KiB pages: below this the WAL is never rewound. */
const CHECKPOINT_RESTART_PAGES = 4096;
/** Above 16 MB, a rewind at most every 5 s... */
const RESTART_EVERY_MS = 5000;
/** ...unless the WAL passed 256 MB (a burst of writes); the file keeps up to that size for reuse. */
const CHECKPOINT_HARD_PAGES = 65_536;
type Stmt = Database.Statement<SqlValue[]>;
type Attempt<T> = { ok: true; value: T } | { ok: false; busy: unknown };

/** With the busy handler waiting, an attempt never comes back busy; a busy error is thrown instead. */
function unwrap<T>(a: Attempt<T>): T {
  if (!a.ok) throw a.busy;
  return a.value;
}

/**
 * better-sqlite3 is synchronous; the async interface is kept so one store works on both backends. A promise chain
 * serialises transactions, because an `await` inside one would otherwise let another caller's statements run
 * inside it on the same connection.
 */
export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  private readonly db: Db;
  private readonly stmts = new Map<string, Stmt>();
  private lock: Promise<unknown> = Promise.resolve();
  private readonly direct: SqlExecutor;
  private checkpointer: Worker | null = null;
  private commits = 0;
  /** Prepared once: every ingest group runs them, and `exec` compiles its text on each call. */
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;

  constructor(private readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL under WAL is durable against process crashes (kill -9); only an OS crash can lose the last commits.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    this.db.pragma('foreign_keys = ON');
    this.begin = this.db.prepare('BEGIN IMMEDIATE');
    this.commit = this.db.prepare('COMMIT');
    this.direct = {
      query: async (sql, params) => this.querySync(sql, params),
      run: async (sql, params) => this.runSync(sql, params),
      insertMany: async (table, columns, rows, onConflict) =>
        this.insertManySync(table, columns, rows, onConflict),
    };
  }

  private startCheckpointer(): void {
    try {
      const worker = new Worker(CHECKPOINTER, {
        eval: true,
        workerData: {
          module: createRequire(import.meta.url).resolve('better-sqlite3'),
          path: this.path,
          intervalMs: CHECKPOINT_INTERVAL_MS,
          restartPages: CHECKPOINT_RESTART_PAGES,
          restartEveryMs: RESTART_EVERY_MS,
          hardPages: CHECKPOINT_HARD_PAGES,
        },
      });
      // The worker must never keep the process alive or take it down; without it the writer checkpoints again.
      worker.unref();
      worker.on('error', () => undefined);
      worker.once('exit', () => {
        if (this.checkpointer !== worker) return;
        this.checkpointer = null;
        if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
      });
      this.db.pragma('wal_autocheckpoint = 0');
      // A WAL file that grew past this (a burst outran the checkpointer) is cut back after its next rewind. As large
      // as the WAL may grow between rewinds, so a rewind in steady writing truncates nothing: cutting a 200 MB file
      // back to 64 MB made the writer's next commit (on the event loop) up to ~50 ms longer here.
      this.db.pragma(`journal_size_limit = ${CHECKPOINT_HARD_PAGES * 4096}`);
      this.checkpointer = worker;
    } catch {
      this.checkpointer = null;
    }
  }

  private prepare(sql: string): Stmt {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare<SqlValue[]>(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  private querySync(sql: string, params: readonly SqlValue[] = []): Row[] {
    return this.prepare(sql).all(...(params as SqlValue[])) as Row[];
  }

  private runSync(sql: string, params: readonly SqlValue[] = []): number {
    return this.prepare(sql).run(...(params as SqlValue[])).changes;
  }

  private insertManySync(
    table: string,
    columns: readonly string[],
    rows: readonly SqlValue[][],
    onConflict: string,
  ): number {
    const marks = columns.map(() => '?').join(', ');
    const stmt = this.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${marks}) ${onConflict}`);
    let changed = 0;
    for (const r of rows) changed += stmt.run(...r).changes;
    return changed;
  }

  private withLock<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn, fn);
    this.lock = next.catch(() => undefined);
    return next;
  }

  query(sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
    return this.withLock(async () => this.querySync(sql, params));
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.withLock(async () => this.runSync(sql, params));
  }

  /** Every statement here is prepared once and cached, so this is `run`. */
  runPrepared(sql: string, params: readonly SqlValue[]): Promise<number> {
    return this.run(sql, params);
  }

  insertMany(
    table: string,
    columns: readonly string[],
    rows: readonly SqlValue[][],
    onConflict: string,
  ): Promise<number> {
    return this.withLock(async () => this.insertManySync(table, columns, rows, onConflict));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.checkpointer
      ? this.transactionYielding(fn)
      : this.withLock(() => this.attempt(fn, true, unwrap));
  }

  /**
   * While the checkpointer rewinds the WAL it holds the write lock; a writer waiting in SQLite's busy handler would
   * sleep on the event loop and stall every request. Instead the attempt fails fast and is retried after a timer,
   * outside the lock, so reads and HTTP go on meanwhile; the overall wait is bounded as busy_timeout bounds it.
   */
  private async transactionYielding<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    for (let pause = 1; ; pause = Math.min(pause * 2, 20)) {
      const out = await this.withLock(() => this.attempt(fn, false, (x) => x));
      if (out.ok) return out.value;
      if (Date.now() >= deadline) throw out.busy;
      await new Promise((r) => setTimeout(r, pause));
    }
  }

  /** One try: BEGIN IMMEDIATE (waiting in SQLite's busy handler, or not), run `fn`, COMMIT. */
  private async attempt<T, U>(
    fn: (tx: SqlExecutor) => Promise<T>,
    wait: boolean,
    shape: (x: Attempt<T>) => U,
  ): Promise<U> {
    if (!wait) this.db.exec('PRAGMA busy_timeout = 0');
    try {
      this.begin.run();
    } catch (err) {
      if (!wait && /^SQLITE_BUSY/.test((err as { code?: string }).code ?? ''))
        return shape({ ok: false, busy: err });
      throw err;
    } finally {
      if (!wait) this.db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
    try {
      const value = await fn(this.direct);
      this.commit.run();
      if (++this.commits === CHECKPOINTER_AFTER_COMMITS && this.path !== ':memory:') this.startCheckpointer();
      return shape({ ok: true, value });
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }

  exec(script: string): Promise<void> {
    return this.withLock(async () => {
      this.db.exec(script);
    });
  }

  async close(): Promise<void> {
    await this.lock;
    const w = this.checkpointer;
    this.checkpointer = null;
    if (w) {
      // Its last checkpoint leaves the database file complete; a process killed before this loses nothing either,
      // since the next open replays the WAL.
      const exited = new Promise((r) => w.once('exit', r));
      w.ref();
      w.postMessage('stop');
      await exited;
    }
    this.db.close();
  }
}
