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

/**
 * The rows as one JSON array of objects, written as text directly (no object per row). Columns named in `raw` hold
 * JSON text already (the `data` and `info` documents) and go in as JSON values rather than as strings: PostgreSQL
 * stores a non-string JSON value in a text column as its text, exactly as written, so the document is neither escaped
 * here nor unescaped there.
 */
function asJson(
  columns: readonly string[],
  rows: readonly SqlValue[][],
  raw: ReadonlySet<string> = NO_RAW,
): string {
  const keys = columns.map((c, i) => `${i === 0 ? '{' : ','}"${c}":`);
  const inline = columns.map((c) => raw.has(c));
  let out = '[';
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as SqlValue[];
    if (r > 0) out += ',';
    for (let c = 0; c < keys.length; c++) {
      const v = row[c] ?? null;
      out += keys[c];
      out += v === null ? 'null' : typeof v === 'number' ? String(v) : inline[c] ? v : JSON.stringify(v);
    }
    out += '}';
  }
  return `${out}]`;
}

const NO_RAW: ReadonlySet<string> = new Set();
const DATA: ReadonlySet<string> = new Set(['data']);
const INFO: ReadonlySet<string> = new Set(['info']);

export async function writeOneStatement(db: SqlDriver, g: MergedGroup): Promise<void> {
  await db.runPrepared(PG_GROUP_SQL, [
    asJson(HOST_COLUMNS, g.hosts, INFO),
    asJson(FINDING_COLUMNS, g.findings, DATA),
    asJson(INCIDENT_COLUMNS, g.incidents, DATA),
    asJson(HEARTBEAT_COLUMNS, g.heartbeats, DATA),
    asJson(INVENTORY_COLUMNS, g.inventory, DATA),
    asJson(['id', 'last_seen_ms'], g.agents),
  ]);
}
