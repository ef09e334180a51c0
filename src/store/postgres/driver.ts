import pg from 'pg';
import type { Row, SqlDriver, SqlExecutor, SqlValue } from '../sql/driver.js';

/** pg wants $1..$n; the store writes `?` (never inside literals), so a plain scan converts. */
export function toPgPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

// PostgreSQL allows 65535 bind parameters per statement; stay well under it.
const MAX_PARAMS = 30_000;

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

function executor(q: Queryable): SqlExecutor {
  return {
    async query(sql, params = []) {
      const res = await q.query(toPgPlaceholders(sql), params as SqlValue[]);
      return res.rows as Row[];
    },
    async run(sql, params = []) {
      const res = await q.query(toPgPlaceholders(sql), params as SqlValue[]);
      return res.rowCount ?? 0;
    },
    async insertMany(table, columns, rows, onConflict) {
      if (rows.length === 0) return 0;
      const perStmt = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
      let changed = 0;
      for (let i = 0; i < rows.length; i += perStmt) {
        const chunk = rows.slice(i, i + perStmt);
        const params: SqlValue[] = [];
        const tuples = chunk.map((r) => {
          const marks = r.map((v) => {
            params.push(v);
            return `$${params.length}`;
          });
          return `(${marks.join(', ')})`;
        });
        const sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')} ${onConflict}`;
        const res = await q.query(sql, params);
        changed += res.rowCount ?? 0;
      }
      return changed;
    },
  };
}

export interface PostgresOptions {
  /** Every table lives in this schema (created when missing); tests use one per run. */
  schema?: string;
  max?: number;
}

const INT8_OID = 20;

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly direct: SqlExecutor;
  readonly schema: string;

  constructor(connectionString: string, opts: PostgresOptions = {}) {
    this.schema = opts.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.schema))
      throw new Error(`invalid PostgreSQL schema name "${this.schema}"`);
    this.pool = new pg.Pool({
      connectionString,
      max: opts.max ?? 10,
      options: `-c search_path=${this.schema}`,
      // Epoch-ms columns are BIGINT; as numbers they stay exact (< 2^53). Set per pool, not globally.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as never,
      },
    });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    this.pool.on('error', () => {});
    this.direct = executor(this.pool);
  }

  async init(): Promise<void> {
    await this.pool.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
  }

  query(sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
    return this.direct.query(sql, params);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.direct.run(sql, params);
  }

  insertMany(
    table: string,
    columns: readonly string[],
    rows: readonly SqlValue[][],
    onConflict: string,
  ): Promise<number> {
    return this.direct.insertMany(table, columns, rows, onConflict);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const out = await fn(executor(client));
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async exec(script: string): Promise<void> {
    await this.pool.query(script);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
