import type { SqlDriver, SqlExecutor, SqlValue } from './driver.js';
import {
  FINDING_COLUMNS,
  FINDING_UPSERT,
  HEARTBEAT_COLUMNS,
  HOST_COLUMNS,
  HOST_UPSERT,
  INCIDENT_COLUMNS,
  INCIDENT_UPSERT,
  INVENTORY_COLUMNS,
} from './fleet-columns.js';
import type { MergedGroup } from './fleet-merge.js';

/** SQLite: the merged rows in the caller's transaction (statements are prepared once and cheap in-process). */
export async function writeInTransaction(tx: SqlExecutor, g: MergedGroup): Promise<void> {
  await tx.insertMany('hosts', HOST_COLUMNS, g.hosts, HOST_UPSERT);
  if (g.findings.length > 0) await tx.insertMany('findings', FINDING_COLUMNS, g.findings, FINDING_UPSERT);
  if (g.incidents.length > 0)
    await tx.insertMany('incidents', INCIDENT_COLUMNS, g.incidents, INCIDENT_UPSERT);
  if (g.heartbeats.length > 0)
    await tx.insertMany('heartbeats', HEARTBEAT_COLUMNS, g.heartbeats, 'ON CONFLICT (id) DO NOTHING');
  if (g.inventory.length > 0)
    await tx.insertMany('inventory', INVENTORY_COLUMNS, g.inventory, 'ON CONFLICT (id) DO NOTHING');
  for (const [id, ms] of g.agents) await tx.run('UPDATE agents SET last_seen_ms = ? WHERE id = ?', [ms, id]);
}

const recordset = (table: string, columns: readonly string[], param: number): string =>
  `SELECT ${columns.join(', ')} FROM json_populate_recordset(NULL::${table}, $${param})`;

/**
 * PostgreSQL: the whole group as one statement of data-modifying CTEs, which commits atomically on its own. One
 * round trip instead of BEGIN, one per table and COMMIT, and one fixed text, so it is parsed once per connection.
 */
const PG_GROUP_SQL = `WITH
  h AS (INSERT INTO hosts (${HOST_COLUMNS.join(', ')}) ${recordset('hosts', HOST_COLUMNS, 1)} ${HOST_UPSERT}),
  f AS (INSERT INTO findings (${FINDING_COLUMNS.join(', ')}) ${recordset('findings', FINDING_COLUMNS, 2)}
    ${FINDING_UPSERT}),
  i AS (INSERT INTO incidents (${INCIDENT_COLUMNS.join(', ')}) ${recordset('incidents', INCIDENT_COLUMNS, 3)}
    ${INCIDENT_UPSERT}),
  hb AS (INSERT INTO heartbeats (${HEARTBEAT_COLUMNS.join(', ')}) ${recordset('heartbeats', HEARTBEAT_COLUMNS, 4)}
    ON CONFLICT (id) DO NOTHING),
  inv AS (INSERT INTO inventory (${INVENTORY_COLUMNS.join(', ')}) ${recordset('inventory', INVENTORY_COLUMNS, 5)}
    ON CONFLICT (id) DO NOTHING),
  a AS (UPDATE agents SET last_seen_ms = v.last_seen_ms FROM json_populate_recordset(NULL::agents, $6) AS v
    WHERE agents.id = v.id)
SELECT 1`;

function asJson(columns: readonly string[], rows: readonly SqlValue[][]): string {
  return JSON.stringify(
    rows.map((r) => {
      const o: Record<string, SqlValue> = {};
      for (let c = 0; c < columns.length; c++) o[columns[c] as string] = r[c] ?? null;
      return o;
    }),
  );
}

export async function writeOneStatement(db: SqlDriver, g: MergedGroup): Promise<void> {
  await db.runPrepared(PG_GROUP_SQL, [
    asJson(HOST_COLUMNS, g.hosts),
    asJson(FINDING_COLUMNS, g.findings),
    asJson(INCIDENT_COLUMNS, g.incidents),
    asJson(HEARTBEAT_COLUMNS, g.heartbeats),
    asJson(INVENTORY_COLUMNS, g.inventory),
    asJson(['id', 'last_seen_ms'], g.agents),
  ]);
}
