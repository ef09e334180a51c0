import type { Finding } from '../../model/finding.js';
import type { Incident } from '../../model/incident.js';
import type { FleetRepo } from '../store.js';
import type {
  CpuSample,
  CpuSampleRecord,
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
import { batchWeight, mergeGroup, type PendingBatch } from './fleet-merge.js';
import { writeInTransaction, writeOneStatement } from './fleet-write.js';
import { GroupCommitter } from './group-commit.js';

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

export interface FleetRepoOptions {
  /** Group-commit window in ms (0: a group per event-loop turn). */
  groupWindowMs?: number;
  /** Rows (findings, incidents, heartbeats, inventory) one shared transaction takes before it commits. */
  groupMaxRows?: number;
}

/**
 * SQLite writes on the event loop, so a group's size is how long every other request waits: ~2,000 rows is tens of
 * ms and already amortises the commit. PostgreSQL works on its own CPU while the server parses the next requests, as
 * long as a group does not take every waiting batch: with 10,000 rows one group held all 20 bench agents' 500-finding
 * batches, and the server and PostgreSQL took turns instead of overlapping; 2,000 rows gave 28-31k findings/s against
 * 26-28k and less server CPU per finding (bench/RESULTS.md, ingest on the AMD EPYC machine).
 */
const SQLITE_GROUP_ROWS = 2000;
const PG_GROUP_ROWS = 2000;
/**
 * Where system calls are dear (a VM with page-table isolation), a commit's cost is mostly per group: SQLite writes
 * each changed page as a WAL frame with two pwrite calls, and the pages every group changes (host and agent rows,
 * index tails and inner pages) are written once per group. 5-finding batches cost ~330-415 µs of CPU each committed
 * two to a group, ~155-190 µs ten to a group. At 1,000 requests/s an 8 ms window makes groups of ~8-10 where 2 ms made
 * ~2; a batch waits 4 ms more on average, and the p99 was lower, not higher, in 3 of 3 rounds here.
 */
const GROUP_WINDOW_MS = 8;

export class SqlFleetRepo implements FleetRepo {
  private readonly committer: GroupCommitter<PendingBatch, IngestResult>;

  constructor(
    private readonly db: SqlDriver,
    opts: FleetRepoOptions = {},
  ) {
    this.committer = new GroupCommitter((items) => this.applyGroup(items), {
      windowMs: opts.groupWindowMs ?? GROUP_WINDOW_MS,
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

  async cpuSamples(
    hostId: string,
    sinceMs: number,
    untilMs: number,
    limit: number,
  ): Promise<CpuSampleRecord[]> {
    // Newest first so a window with more samples than `limit` keeps its recent end, then put in time order.
    const rows = await this.db.query(
      `SELECT id, time_ms, data FROM cpu_samples WHERE host_id = ? AND time_ms >= ? AND time_ms < ?
        ORDER BY time_ms DESC, id DESC LIMIT ?`,
      [hostId, sinceMs, untilMs, limit],
    );
    const out: CpuSampleRecord[] = [];
    for (let i = rows.length - 1; i >= 0; i--) {
      const r = rows[i] as Row;
      out.push({ ...(JSON.parse(str(r.data)) as CpuSample), id: str(r.id), hostId, time: iso(r.time_ms) });
    }
    return out;
  }
}
