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
  type SqlValue,
  str,
  strOrNull,
} from './driver.js';

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
// first/last-seen window only ever widens. Written with CASE so SQLite and PostgreSQL share it.
const FINDING_UPSERT = `ON CONFLICT (id) DO UPDATE SET
  severity = CASE WHEN excluded.time_ms >= findings.last_seen_ms THEN excluded.severity ELSE findings.severity END,
  severity_rank = CASE WHEN excluded.time_ms >= findings.last_seen_ms THEN excluded.severity_rank ELSE findings.severity_rank END,
  data = CASE WHEN excluded.time_ms >= findings.last_seen_ms THEN excluded.data ELSE findings.data END,
  incident_id = COALESCE(excluded.incident_id, findings.incident_id),
  first_seen_ms = CASE WHEN excluded.time_ms < findings.first_seen_ms THEN excluded.time_ms ELSE findings.first_seen_ms END,
  last_seen_ms = CASE WHEN excluded.time_ms > findings.last_seen_ms THEN excluded.time_ms ELSE findings.last_seen_ms END`;

const HOST_UPSERT = `ON CONFLICT (id) DO UPDATE SET
  name = excluded.name, info = excluded.info, agent_id = COALESCE(excluded.agent_id, hosts.agent_id),
  last_seen_ms = CASE WHEN excluded.last_seen_ms > hosts.last_seen_ms THEN excluded.last_seen_ms ELSE hosts.last_seen_ms END`;

const INCIDENT_UPSERT = `ON CONFLICT (id) DO UPDATE SET
  severity = excluded.severity, data = excluded.data,
  first_seen_ms = CASE WHEN excluded.first_seen_ms < incidents.first_seen_ms THEN excluded.first_seen_ms ELSE incidents.first_seen_ms END,
  last_seen_ms = CASE WHEN excluded.last_seen_ms > incidents.last_seen_ms THEN excluded.last_seen_ms ELSE incidents.last_seen_ms END`;

function findingRow(f: Finding, receivedMs: number): SqlValue[] {
  const t = Date.parse(f.time);
  return [
    f.id,
    f.host.id,
    f.ruleId,
    f.severity,
    severityRank(f.severity),
    f.category,
    t,
    t,
    t,
    receivedMs,
    f.incidentId ?? null,
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

export class SqlFleetRepo implements FleetRepo {
  constructor(private readonly db: SqlDriver) {}

  ingest(batch: IngestBatch, agentId: string | null, receivedAt: Date): Promise<IngestResult> {
    const receivedMs = receivedAt.getTime();
    const findings = dedupeById(batch.findings, (f) => Date.parse(f.time));
    const incidents = dedupeById(batch.incidents, (i) => Date.parse(i.lastSeen));
    const heartbeats = dedupeById(batch.heartbeats, (h) => Date.parse(h.time));
    const inventory = dedupeById(batch.inventory, (i) => Date.parse(i.time));
    const { id, name, ...info } = batch.host;
    return this.db.transaction(async (tx) => {
      await tx.insertMany(
        'hosts',
        ['id', 'name', 'info', 'agent_id', 'first_seen_ms', 'last_seen_ms'],
        [[id, name, JSON.stringify(info), agentId, receivedMs, receivedMs]],
        HOST_UPSERT,
      );
      if (findings.length > 0)
        await tx.insertMany(
          'findings',
          FINDING_COLUMNS,
          findings.map((f) => findingRow(f, receivedMs)),
          FINDING_UPSERT,
        );
      if (incidents.length > 0)
        await tx.insertMany(
          'incidents',
          ['id', 'host_id', 'severity', 'first_seen_ms', 'last_seen_ms', 'data'],
          incidents.map((i) => [
            i.id,
            i.host.id,
            i.severity,
            Date.parse(i.firstSeen),
            Date.parse(i.lastSeen),
            JSON.stringify(i),
          ]),
          INCIDENT_UPSERT,
        );
      if (heartbeats.length > 0) {
        await tx.insertMany(
          'heartbeats',
          ['id', 'host_id', 'agent_id', 'time_ms', 'data'],
          heartbeats.map((h) => [h.id, id, agentId, Date.parse(h.time), JSON.stringify(h)]),
          'ON CONFLICT (id) DO NOTHING',
        );
        const last = heartbeats.reduce((a, b) => (Date.parse(b.time) > Date.parse(a.time) ? b : a));
        await tx.run(
          `UPDATE hosts SET last_heartbeat_ms = ?, heartbeat_interval_ms = ?
           WHERE id = ? AND (last_heartbeat_ms IS NULL OR last_heartbeat_ms < ?)`,
          [Date.parse(last.time), last.intervalMs, id, Date.parse(last.time)],
        );
      }
      if (inventory.length > 0)
        await tx.insertMany(
          'inventory',
          ['id', 'host_id', 'time_ms', 'data'],
          inventory.map((i) => [i.id, id, Date.parse(i.time), JSON.stringify(i)]),
          'ON CONFLICT (id) DO NOTHING',
        );
      if (agentId !== null)
        await tx.run('UPDATE agents SET last_seen_ms = ? WHERE id = ?', [receivedMs, agentId]);
      return {
        findings: findings.length,
        incidents: incidents.length,
        heartbeats: heartbeats.length,
        inventory: inventory.length,
      };
    });
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
