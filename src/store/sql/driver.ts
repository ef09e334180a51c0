/** Values the drivers bind; numbers are epoch ms or counts, JSON travels as text. */
export type SqlValue = string | number | null;
export type Row = Record<string, unknown>;

/** Runs SQL written with `?` placeholders; both dialects accept the same SQL for everything this store does. */
export interface SqlExecutor {
  query(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /**
   * Inserts many rows in as few round trips as the dialect allows; `onConflict` is the tail after
   * `ON CONFLICT (...)`, written against `excluded`.
   */
  insertMany(
    table: string,
    columns: readonly string[],
    rows: readonly SqlValue[][],
    onConflict: string,
  ): Promise<number>;
}

export interface SqlDriver extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs `fn` in one transaction; it commits when `fn` resolves and rolls back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Runs one statement outside any transaction (it commits on its own) as a statement prepared once per
   * connection; for fixed hot-path SQL written in the dialect's own placeholders ($n on PostgreSQL).
   */
  runPrepared(sql: string, params: readonly SqlValue[]): Promise<number>;
  /** Runs a multi-statement script (migrations). */
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}

/** Epoch ms from a column that pg returns as string (BIGINT) and SQLite as number. */
export function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

export function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}

export function iso(v: unknown): string {
  return new Date(num(v)).toISOString();
}

export function isoOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : iso(v);
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : String(v);
}

export function strOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : str(v);
}
