import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Row, SqlDriver, SqlExecutor, SqlValue } from '../sql/driver.js';

/** pg wants $1..$n; the store writes `?` (never inside literals), so a plain scan converts. */
export function toPgPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

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
      // One statement text per table and conflict clause whatever the row count, so the server parses and plans it
      // once per connection (a named prepared statement) and the client sends one parameter, not one per value.
      const text = `INSERT INTO ${table} (${columns.join(', ')})
          SELECT ${columns.join(', ')} FROM json_populate_recordset(NULL::${table}, $1) ${onConflict}`;
      let changed = 0;
      for (let i = 0; i < rows.length; i += JSON_ROWS_PER_STMT) {
        const chunk = rows.slice(i, i + JSON_ROWS_PER_STMT);
        const objs = chunk.map((r) => {
          const o: Record<string, SqlValue> = {};
          for (let c = 0; c < columns.length; c++) o[columns[c] as string] = r[c] ?? null;
          return o;
        });
        const res = await q.query({ name: statementName(text), text, values: [JSON.stringify(objs)] });
        changed += res.rowCount ?? 0;
      }
      return changed;
    },
  };
}

// Bounds one statement's JSON parameter (and the memory to build it); a group rarely holds more rows.
const JSON_ROWS_PER_STMT = 5000;
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let n = statementNames.get(text);
  if (!n) {
    n = `mw_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    statementNames.set(text, n);
  }
  return n;
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

  async runPrepared(sql: string, params: readonly SqlValue[]): Promise<number> {
    const res = await this.pool.query({ name: statementName(sql), text: sql, values: params as SqlValue[] });
    return res.rowCount ?? 0;
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
