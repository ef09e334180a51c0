import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Row, SqlDriver, SqlExecutor, SqlValue } from '../sql/driver.js';

type Db = InstanceType<typeof Database>;
type Stmt = Database.Statement<SqlValue[]>;

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

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL under WAL is durable against process crashes (kill -9); only an OS crash can lose the last commits.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.direct = {
      query: async (sql, params) => this.querySync(sql, params),
      run: async (sql, params) => this.runSync(sql, params),
      insertMany: async (table, columns, rows, onConflict) =>
        this.insertManySync(table, columns, rows, onConflict),
    };
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

  insertMany(
    table: string,
    columns: readonly string[],
    rows: readonly SqlValue[][],
    onConflict: string,
  ): Promise<number> {
    return this.withLock(async () => this.insertManySync(table, columns, rows, onConflict));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.withLock(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(this.direct);
        this.db.exec('COMMIT');
        return out;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  exec(script: string): Promise<void> {
    return this.withLock(async () => {
      this.db.exec(script);
    });
  }

  async close(): Promise<void> {
    await this.lock;
    this.db.close();
  }
}
