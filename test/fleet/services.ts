import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import pg from 'pg';

export const PG_URL = process.env.MINEWARDEN_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
export const NATS_URL = process.env.MINEWARDEN_TEST_NATS ?? 'nats://127.0.0.1:4222';
export const REQUIRE_SERVICES = process.env.MINEWARDEN_REQUIRE_SERVICES === '1';

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

/**
 * True when the service answers. When it does not and MINEWARDEN_REQUIRE_SERVICES=1, this throws so the suite
 * fails instead of skipping (CI must not pass by skipping the integration tests).
 */
export async function serviceUp(name: 'postgres' | 'nats'): Promise<boolean> {
  const up = await portOpen(name === 'postgres' ? 5432 : 4222);
  if (!up && REQUIRE_SERVICES)
    throw new Error(`${name} is not reachable on 127.0.0.1 and MINEWARDEN_REQUIRE_SERVICES=1`);
  return up;
}

/** A fresh schema name per test run, so parallel runs and leftovers never collide. */
export function uniqueSchema(prefix = 'mwt'): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await c.end();
  }
}
