import { MinewardenError } from '../model/errors.js';

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * `postgres://...?schema=name` picks the PostgreSQL schema (so replicas, tenants or test runs can share one
 * database); the parameter is taken out before the URL reaches the driver. Other URLs pass through.
 */
export function splitDbSchema(db: string): { db: string; schema?: string } {
  if (!/^postgres(ql)?:\/\//.test(db)) return { db };
  let u: URL;
  try {
    u = new URL(db);
  } catch {
    return { db };
  }
  const schema = u.searchParams.get('schema');
  if (schema === null) return { db };
  if (!SCHEMA.test(schema))
    throw new MinewardenError('MW_USAGE', `schema "${schema}" must be a lowercase SQL identifier`, {
      field: '--db',
    });
  u.searchParams.delete('schema');
  return { db: u.toString(), schema };
}
