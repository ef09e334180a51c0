import { MinewardenError } from '../model/errors.js';
import { migrate } from './migrations.js';
import type { SqlDriver } from './sql/driver.js';
import { SqlStore } from './sql/sql-store.js';
import { SqliteDriver } from './sqlite/driver.js';
import type { Store } from './store.js';

export type StoreLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** `sqlite:PATH` (or a bare path) or `postgres://...`; the error names the flag so the user knows what to fix. */
export function parseStoreUrl(url: string, field = '--db'): StoreLocation {
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path.length === 0) throw new MinewardenError('MW_USAGE', 'sqlite: needs a path', { field });
    return { kind: 'sqlite', path };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url))
    throw new MinewardenError(
      'MW_USAGE',
      `unsupported database "${url.split(':')[0]}"; use sqlite:PATH or postgres://`,
      {
        field,
      },
    );
  return { kind: 'sqlite', path: url };
}

export interface OpenStoreOptions {
  /** PostgreSQL schema to use (created when missing). */
  schema?: string;
}

/** Opens, migrates and returns the store. */
export async function openStore(url: string, opts: OpenStoreOptions = {}): Promise<Store> {
  return new SqlStore(await openMigratedDriver(url, opts));
}

/** The driver for `url`, connected and migrated to the current schema; closed again when either step fails. */
export async function openMigratedDriver(url: string, opts: OpenStoreOptions = {}): Promise<SqlDriver> {
  const loc = parseStoreUrl(url);
  let driver: SqlDriver;
  if (loc.kind === 'sqlite') {
    driver = new SqliteDriver(loc.path);
  } else {
    // Loaded only for PostgreSQL: the driver costs a SQLite-only process (an agent's local journal) ~10 MB.
    const { PostgresDriver } = await import('./postgres/driver.js');
    const pg = new PostgresDriver(loc.url, opts.schema === undefined ? {} : { schema: opts.schema });
    try {
      await pg.init();
    } catch (err) {
      await pg.close().catch(() => undefined);
      throw new MinewardenError(
        'MW_STORE_UNAVAILABLE',
        `cannot reach PostgreSQL: ${(err as Error).message}`,
        {
          field: '--db',
        },
      );
    }
    driver = pg;
  }
  try {
    await migrate(driver);
  } catch (err) {
    await driver.close().catch(() => undefined);
    throw err;
  }
  return driver;
}
