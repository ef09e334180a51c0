import {
  REQUEST_STATUSES,
  RESPONSE_OPS,
  type RequestStatus,
  type ResponseOp,
  type ResponseRequestRecord,
  type ResponseRequestsRepo,
} from '../response-requests.js';
import { iso, isoOrNull, type Row, type SqlDriver, str, strOrNull } from './driver.js';

function oneOf<T extends string>(v: unknown, all: readonly T[], field: string): T {
  const s = str(v);
  if (!(all as readonly string[]).includes(s)) throw new Error(`response_requests.${field}: unknown ${s}`);
  return s as T;
}

function fromRow(r: Row): ResponseRequestRecord {
  return {
    id: str(r.id),
    hostId: str(r.host_id),
    incidentId: str(r.incident_id),
    op: oneOf<ResponseOp>(r.op, RESPONSE_OPS, 'op'),
    status: oneOf<RequestStatus>(r.status, REQUEST_STATUSES, 'status'),
    requestedBy: str(r.requested_by),
    createdAt: iso(r.created_ms),
    updatedAt: iso(r.updated_ms),
    expiresAt: iso(r.expires_ms),
    takenAt: isoOrNull(r.taken_ms),
    agentId: strOrNull(r.agent_id),
    message: strOrNull(r.message),
    request: JSON.parse(str(r.request)) as Record<string, unknown>,
    result:
      r.result === null || r.result === undefined
        ? null
        : (JSON.parse(str(r.result)) as Record<string, unknown>),
  };
}

export class SqlResponseRequestsRepo implements ResponseRequestsRepo {
  constructor(private readonly db: SqlDriver) {}

  async create(r: ResponseRequestRecord): Promise<void> {
    await this.db.insertMany(
      'response_requests',
      [
        'id',
        'host_id',
        'incident_id',
        'op',
        'status',
        'requested_by',
        'created_ms',
        'updated_ms',
        'expires_ms',
        'taken_ms',
        'agent_id',
        'message',
        'request',
        'result',
      ],
      [
        [
          r.id,
          r.hostId,
          r.incidentId,
          r.op,
          r.status,
          r.requestedBy,
          Date.parse(r.createdAt),
          Date.parse(r.updatedAt),
          Date.parse(r.expiresAt),
          r.takenAt === null ? null : Date.parse(r.takenAt),
          r.agentId,
          r.message,
          JSON.stringify(r.request),
          r.result === null ? null : JSON.stringify(r.result),
        ],
      ],
      'ON CONFLICT (id) DO NOTHING',
    );
  }

  async get(id: string): Promise<ResponseRequestRecord | null> {
    const [r] = await this.db.query('SELECT * FROM response_requests WHERE id = ?', [id]);
    return r ? fromRow(r) : null;
  }

  async listForIncident(incidentId: string, limit: number): Promise<ResponseRequestRecord[]> {
    const rows = await this.db.query(
      'SELECT * FROM response_requests WHERE incident_id = ? ORDER BY created_ms DESC, id LIMIT ?',
      [incidentId, limit],
    );
    return rows.map(fromRow);
  }

  async openIds(now: Date): Promise<Array<{ id: string; hostId: string; status: RequestStatus }>> {
    const rows = await this.db.query(
      `SELECT id, host_id, status FROM response_requests
        WHERE status IN ('pending', 'taken') AND expires_ms > ?`,
      [now.getTime()],
    );
    return rows.map((r) => ({
      id: str(r.id),
      hostId: str(r.host_id),
      status: oneOf<RequestStatus>(r.status, REQUEST_STATUSES, 'status'),
    }));
  }

  async openForHost(hostId: string, now: Date): Promise<ResponseRequestRecord[]> {
    const rows = await this.db.query(
      `SELECT * FROM response_requests
        WHERE status IN ('pending', 'taken') AND host_id = ? AND expires_ms > ? ORDER BY created_ms, id`,
      [hostId, now.getTime()],
    );
    return rows.map(fromRow);
  }

  async take(id: string, hostId: string, agentId: string, now: Date): Promise<boolean> {
    const n = await this.db.run(
      `UPDATE response_requests SET status = 'taken', taken_ms = ?, agent_id = ?, updated_ms = ?
        WHERE id = ? AND host_id = ? AND status = 'pending' AND expires_ms > ?`,
      [now.getTime(), agentId, now.getTime(), id, hostId, now.getTime()],
    );
    return n > 0;
  }

  async finish(
    id: string,
    hostId: string,
    status: 'done' | 'failed',
    message: string | null,
    result: Record<string, unknown>,
    now: Date,
  ): Promise<boolean> {
    const n = await this.db.run(
      `UPDATE response_requests SET status = ?, message = ?, result = ?, updated_ms = ?
        WHERE id = ? AND host_id = ? AND result IS NULL AND (status = 'taken' OR status = 'failed')`,
      [status, message, JSON.stringify(result), now.getTime(), id, hostId],
    );
    return n > 0;
  }

  async fail(id: string, message: string, now: Date): Promise<boolean> {
    const n = await this.db.run(
      `UPDATE response_requests SET status = 'failed', message = ?, updated_ms = ?
        WHERE id = ? AND status IN ('pending', 'taken')`,
      [message, now.getTime(), id],
    );
    return n > 0;
  }

  async expire(now: Date, message: (status: RequestStatus) => string): Promise<number> {
    let n = 0;
    for (const status of ['pending', 'taken'] as const) {
      n += await this.db.run(
        `UPDATE response_requests SET status = 'failed', message = ?, updated_ms = ?
          WHERE status = ? AND expires_ms <= ?`,
        [message(status), now.getTime(), status, now.getTime()],
      );
    }
    return n;
  }
}
