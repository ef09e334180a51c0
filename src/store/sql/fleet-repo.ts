import type { Finding } from '../../model/finding.js';
import type { Incident } from '../../model/incident.js';
import { severityRank } from '../../model/severity.js';
import type { FleetRepo } from '../store.js';
import type {
  FindingFilter,
  Heartbeat,
  HostRecord,
  IngestBatch,
  IngestResult,
  Inventory,
  StoredFinding,
} from '../types.js';
import {
  iso,
  isoOrNull,
  num,
  numOrNull,
  type Row,
  type SqlDriver,
  type SqlExecutor,
  type SqlValue,
  str,
  strOrNull,
} from './driver.js';
import { GroupCommitter } from './group-commit.js';

const FINDING_COLUMNS = [
  'id',
  'host_id',
  'rule_id',
  'severity',
  'severity_rank',
  'category',
  'time_ms',
  'first_seen_ms',
  'last_seen_ms',
  'received_ms',
  'incident_id',
  'data',
] as const;

// A redelivered or older copy must not roll a finding back: content follows the newest event time, and the
// first/last-seen window only ever widens (a row merged from several batches carries its own window). Written with CASE so SQLite and PostgreSQL share it.
const FINDING_UPSERT = `ON CONFLICT (id) DO UPDATE SET
  severity = CASE WHEN excluded.time_ms >= findings.last_seen_ms THEN excluded.severity ELSE findings.severity END,
  severity_rank = CASE WHEN excluded.time_ms >= findings.last_seen_ms THEN excluded.severity_rank ELSE findings.severity_rank END,
  data = CASE WHEN excluded.time_ms >= findings.last_seen_ms THEN excluded.data ELSE findings.data END,
  incident_id = COALESCE(excluded.incident_id, findings.incident_id),
  first_seen_ms = CASE WHEN excluded.first_seen_ms < findings.first_seen_ms THEN excluded.first_seen_ms ELSE findings.first_seen_ms END,
  last_seen_ms = CASE WHEN excluded.last_seen_ms > findings.last_seen_ms THEN excluded.last_seen_ms ELSE findings.last_seen_ms END`;

const HOST_COLUMNS = [
  'id',
  'name',
  'info',
  'agent_id',
  'first_seen_ms',
  'last_seen_ms',
  'last_heartbeat_ms',
  'heartbeat_interval_ms',
] as const;

// The latest heartbeat only moves forward; a group without heartbeats carries NULL and leaves it alone.
const HOST_UPSERT = `ON CONFLICT (id) DO UPDATE SET
  name = excluded.name, info = excluded.info, agent_id = COALESCE(excluded.agent_id, hosts.agent_id),
  last_seen_ms = CASE WHEN excluded.last_seen_ms > hosts.last_seen_ms THEN excluded.last_seen_ms ELSE hosts.last_seen_ms END,
  last_heartbeat_ms = CASE WHEN excluded.last_heartbeat_ms > COALESCE(hosts.last_heartbeat_ms, -1)
    THEN excluded.last_heartbeat_ms ELSE hosts.last_heartbeat_ms END,
  heartbeat_interval_ms = CASE WHEN excluded.last_heartbeat_ms > COALESCE(hosts.last_heartbeat_ms, -1)
    THEN excluded.heartbeat_interval_ms ELSE hosts.heartbeat_interval_ms END`;

const INCIDENT_COLUMNS = ['id', 'host_id', 'severity', 'first_seen_ms', 'last_seen_ms', 'data'] as const;
const HEARTBEAT_COLUMNS = ['id', 'host_id', 'agent_id', 'time_ms', 'data'] as const;
const INVENTORY_COLUMNS = ['id', 'host_id', 'time_ms', 'data'] as const;

const INCIDENT_UPSERT = `ON CONFLICT (id) DO UPDATE SET
  severity = excluded.severity, data = excluded.data,
  first_seen_ms = CASE WHEN excluded.first_seen_ms < incidents.first_seen_ms THEN excluded.first_seen_ms ELSE incidents.first_seen_ms END,
  last_seen_ms = CASE WHEN excluded.last_seen_ms > incidents.last_seen_ms THEN excluded.last_seen_ms ELSE incidents.last_seen_ms END`;

function findingRow(a: FindingAcc): SqlValue[] {
  const f = a.f;
  return [
    f.id,
    f.host.id,
    f.ruleId,
    f.severity,
    severityRank(f.severity),
    f.category,
    a.t,
    a.firstMs,
    a.lastMs,
    a.receivedMs,
    a.incidentId,
    JSON.stringify(f),
  ];
}

/** Keeps the newest copy of each id and sorts by id, so concurrent batches lock rows in one order (no deadlock). */
function dedupeById<T extends { id: string }>(items: readonly T[], timeOf: (x: T) => number): T[] {
  const byId = new Map<string, T>();
  for (const x of items) {
    const prev = byId.get(x.id);
    if (!prev || timeOf(x) >= timeOf(prev)) byId.set(x.id, x);
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

interface FindingAcc {
  f: Finding;
  t: number;
  firstMs: number;
  lastMs: number;
  receivedMs: number;
  incidentId: string | null;
}

interface HostAcc {
  name: string;
  info: string;
  agentId: string | null;
  firstMs: number;
  lastMs: number;
}

const byKey = <T>(m: Map<string, T>): [string, T][] =>
  [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

/**
 * Merges a group of batches into the rows to write, with the result sequential commits would give: rows are
 * merged by id first (a multi-row upsert may touch a row only once), content follows the newest event time, the
 * first/last-seen window is the union, and for equal times the later arrival wins. Keys are written in sorted
 * order, so concurrent transactions lock rows in one order (no deadlock).
 */
interface MergedGroup {
  results: IngestResult[];
  hosts: SqlValue[][];
  findings: SqlValue[][];
  incidents: SqlValue[][];
  heartbeats: SqlValue[][];
  inventory: SqlValue[][];
  agents: [string, number][];
}

function mergeGroup(items: readonly PendingBatch[]): MergedGroup {
  const hosts = new Map<string, HostAcc>();
  const findings = new Map<string, FindingAcc>();
  const incidents = new Map<string, { i: Incident; firstMs: number; lastMs: number }>();
  const heartbeats = new Map<string, { h: Heartbeat; hostId: string; agentId: string | null; t: number }>();
  const lastBeat = new Map<string, { t: number; intervalMs: number }>();
  const inventory = new Map<string, { inv: Inventory; hostId: string }>();
  const agents = new Map<string, number>();
  const results: IngestResult[] = [];
  for (const { batch, agentId, receivedMs } of items) {
    const { id: hostId, name, ...info } = batch.host;
    const h = hosts.get(hostId);
    hosts.set(hostId, {
      name,
      info: JSON.stringify(info),
      agentId: agentId ?? h?.agentId ?? null,
      firstMs: Math.min(h?.firstMs ?? receivedMs, receivedMs),
      lastMs: Math.max(h?.lastMs ?? receivedMs, receivedMs),
    });
    const fs = dedupeById(batch.findings, (f) => Date.parse(f.time));
    for (const f of fs) {
      const t = Date.parse(f.time);
      const prev = findings.get(f.id);
      if (!prev) {
        findings.set(f.id, { f, t, firstMs: t, lastMs: t, receivedMs, incidentId: f.incidentId ?? null });
        continue;
      }
      if (t >= prev.t) {
        prev.f = f;
        prev.t = t;
      }
      prev.firstMs = Math.min(prev.firstMs, t);
      prev.lastMs = Math.max(prev.lastMs, t);
      prev.incidentId = f.incidentId ?? prev.incidentId;
    }
    const is = dedupeById(batch.incidents, (i) => Date.parse(i.lastSeen));
    for (const i of is) {
      const first = Date.parse(i.firstSeen);
      const last = Date.parse(i.lastSeen);
      const prev = incidents.get(i.id);
      incidents.set(i.id, {
        i,
        firstMs: Math.min(prev?.firstMs ?? first, first),
        lastMs: Math.max(prev?.lastMs ?? last, last),
      });
    }
    const hs = dedupeById(batch.heartbeats, (x) => Date.parse(x.time));
    for (const x of hs) {
      const t = Date.parse(x.time);
      if (!heartbeats.has(x.id)) heartbeats.set(x.id, { h: x, hostId, agentId, t });
      const lb = lastBeat.get(hostId);
      if (!lb || t > lb.t) lastBeat.set(hostId, { t, intervalMs: x.intervalMs });
    }
    const invs = dedupeById(batch.inventory, (x) => Date.parse(x.time));
    for (const x of invs) if (!inventory.has(x.id)) inventory.set(x.id, { inv: x, hostId });
    if (agentId !== null) agents.set(agentId, Math.max(agents.get(agentId) ?? receivedMs, receivedMs));
    results.push({
      findings: fs.length,
      incidents: is.length,
      heartbeats: hs.length,
      inventory: invs.length,
    });
  }

  return {
    results,
    hosts: byKey(hosts).map(([id, h]) => {
      const beat = lastBeat.get(id);
      return [id, h.name, h.info, h.agentId, h.firstMs, h.lastMs, beat?.t ?? null, beat?.intervalMs ?? null];
    }),
    findings: byKey(findings).map(([, x]) => findingRow(x)),
    incidents: byKey(incidents).map(([id, x]) => [
      id,
      x.i.host.id,
      x.i.severity,
      x.firstMs,
      x.lastMs,
      JSON.stringify(x.i),
    ]),
    heartbeats: byKey(heartbeats).map(([id, x]) => [id, x.hostId, x.agentId, x.t, JSON.stringify(x.h)]),
    inventory: byKey(inventory).map(([id, x]) => [
      id,
      x.hostId,
      Date.parse(x.inv.time),
      JSON.stringify(x.inv),
    ]),
    agents: byKey(agents),
  };
}

/** SQLite: the merged rows in the caller's transaction (statements are prepared once and cheap in-process). */
async function writeInTransaction(tx: SqlExecutor, g: MergedGroup): Promise<void> {
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

async function writeOneStatement(db: SqlDriver, g: MergedGroup): Promise<void> {
  await db.runPrepared(PG_GROUP_SQL, [
    asJson(HOST_COLUMNS, g.hosts),
    asJson(FINDING_COLUMNS, g.findings),
    asJson(INCIDENT_COLUMNS, g.incidents),
    asJson(HEARTBEAT_COLUMNS, g.heartbeats),
    asJson(INVENTORY_COLUMNS, g.inventory),
    asJson(['id', 'last_seen_ms'], g.agents),
  ]);
}

function hostFromRow(r: Row): HostRecord {
  return {
    id: str(r.id),
    name: str(r.name),
    info: JSON.parse(str(r.info)) as Record<string, unknown>,
    agentId: strOrNull(r.agent_id),
    firstSeen: iso(r.first_seen_ms),
    lastSeen: iso(r.last_seen_ms),
    lastHeartbeat: isoOrNull(r.last_heartbeat_ms),
    heartbeatIntervalMs: numOrNull(r.heartbeat_interval_ms),
  };
}

function findingFromRow(r: Row): StoredFinding {
  return {
    finding: JSON.parse(str(r.data)) as Finding,
    firstSeen: iso(r.first_seen_ms),
    lastSeen: iso(r.last_seen_ms),
  };
}

/** One submitted batch, as the group committer holds it. */
interface PendingBatch {
  batch: IngestBatch;
  agentId: string | null;
  receivedMs: number;
}

export interface FleetRepoOptions {
  /** Group-commit window in ms (0: a group per event-loop turn). */
  groupWindowMs?: number;
  /** Rows (findings, incidents, heartbeats, inventory) one shared transaction takes before it commits. */
  groupMaxRows?: number;
}

function batchWeight(b: IngestBatch): number {
  return 1 + b.findings.length + b.incidents.length + b.heartbeats.length + b.inventory.length;
}

/**
 * SQLite writes on the event loop, so a group's size is how long every other request waits: ~2,000 rows is tens of
 * ms and already amortises the commit. PostgreSQL works on its own CPU while the server parses the next requests.
 */
const SQLITE_GROUP_ROWS = 2000;
const PG_GROUP_ROWS = 10_000;

export class SqlFleetRepo implements FleetRepo {
  private readonly committer: GroupCommitter<PendingBatch, IngestResult>;

  constructor(
    private readonly db: SqlDriver,
    opts: FleetRepoOptions = {},
  ) {
    this.committer = new GroupCommitter((items) => this.applyGroup(items), {
      windowMs: opts.groupWindowMs ?? 2,
      maxWeight: opts.groupMaxRows ?? (db.dialect === 'sqlite' ? SQLITE_GROUP_ROWS : PG_GROUP_ROWS),
    });
  }

  /** Resolves once the batch is committed, possibly in one transaction with batches that arrived alongside. */
  ingest(batch: IngestBatch, agentId: string | null, receivedAt: Date): Promise<IngestResult> {
    return this.committer.submit({ batch, agentId, receivedMs: receivedAt.getTime() }, batchWeight(batch));
  }

  private async applyGroup(items: readonly PendingBatch[]): Promise<IngestResult[]> {
    const g = mergeGroup(items);
    if (this.db.dialect === 'postgres') await writeOneStatement(this.db, g);
    else await this.db.transaction((tx) => writeInTransaction(tx, g));
    return g.results;
  }

  /** Waits for every submitted batch to commit or fail; the store calls it before closing. */
  drain(): Promise<void> {
    return this.committer.drain();
  }

  async listHosts(): Promise<HostRecord[]> {
    return (await this.db.query('SELECT * FROM hosts ORDER BY name, id')).map(hostFromRow);
  }

  async getHost(id: string): Promise<HostRecord | null> {
    const rows = await this.db.query('SELECT * FROM hosts WHERE id = ?', [id]);
    return rows[0] ? hostFromRow(rows[0]) : null;
  }

  async listFindings(filter: FindingFilter = {}): Promise<StoredFinding[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (filter.hostId !== undefined) {
      where.push('host_id = ?');
      params.push(filter.hostId);
    }
    if (filter.ruleId !== undefined) {
      where.push('rule_id = ?');
      params.push(filter.ruleId);
    }
    params.push(filter.limit ?? 1000);
    const sql = `SELECT data, first_seen_ms, last_seen_ms FROM findings
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY severity_rank DESC, last_seen_ms DESC, id LIMIT ?`;
    return (await this.db.query(sql, params)).map(findingFromRow);
  }

  async countFindings(): Promise<number> {
    const rows = await this.db.query('SELECT COUNT(*) AS n FROM findings');
    return num(rows[0]?.n ?? 0);
  }

  async listIncidents(hostId?: string): Promise<Incident[]> {
    const rows =
      hostId === undefined
        ? await this.db.query('SELECT data FROM incidents ORDER BY last_seen_ms DESC')
        : await this.db.query('SELECT data FROM incidents WHERE host_id = ? ORDER BY last_seen_ms DESC', [
            hostId,
          ]);
    return rows.map((r) => JSON.parse(str(r.data)) as Incident);
  }

  async latestInventory(hostId: string): Promise<Inventory | null> {
    const rows = await this.db.query(
      'SELECT data FROM inventory WHERE host_id = ? ORDER BY time_ms DESC LIMIT 1',
      [hostId],
    );
    return rows[0] ? (JSON.parse(str(rows[0].data)) as Inventory) : null;
  }

  async recentHeartbeats(hostId: string, limit: number): Promise<Heartbeat[]> {
    const rows = await this.db.query(
      'SELECT data FROM heartbeats WHERE host_id = ? ORDER BY time_ms DESC LIMIT ?',
      [hostId, limit],
    );
    return rows.map((r) => JSON.parse(str(r.data)) as Heartbeat);
  }
}
