import type { ActionsRepo } from '../store.js';
import type { ActionRecord } from '../types.js';
import { iso, type Row, type SqlDriver, type SqlValue, str, strOrNull } from './driver.js';

function actionFromRow(r: Row): ActionRecord {
  return {
    id: str(r.id),
    kind: str(r.kind),
    hostId: strOrNull(r.host_id),
    target: str(r.target),
    status: str(r.status),
    createdAt: iso(r.created_ms),
    updatedAt: iso(r.updated_ms),
    data: JSON.parse(str(r.data)) as Record<string, unknown>,
  };
}

export class SqlActionsRepo implements ActionsRepo {
  constructor(private readonly db: SqlDriver) {}

  async append(a: ActionRecord): Promise<void> {
    await this.write(a, 'ON CONFLICT (id) DO NOTHING');
  }

  async upsert(a: ActionRecord): Promise<void> {
    // Another host's entry with the same id is never touched; an older report never rolls an entry back.
    await this.write(
      a,
      `ON CONFLICT (id) DO UPDATE SET status = excluded.status, updated_ms = excluded.updated_ms, data = excluded.data
        WHERE actions.host_id = excluded.host_id AND actions.updated_ms <= excluded.updated_ms`,
    );
  }

  private async write(a: ActionRecord, onConflict: string): Promise<void> {
    await this.db.insertMany(
      'actions',
      ['id', 'kind', 'host_id', 'target', 'status', 'created_ms', 'updated_ms', 'data'],
      [
        [
          a.id,
          a.kind,
          a.hostId,
          a.target,
          a.status,
          Date.parse(a.createdAt),
          Date.parse(a.updatedAt),
          JSON.stringify(a.data),
        ],
      ],
      onConflict,
    );
  }

  async updateStatus(id: string, status: string, at: Date, data?: Record<string, unknown>): Promise<boolean> {
    const n =
      data === undefined
        ? await this.db.run('UPDATE actions SET status = ?, updated_ms = ? WHERE id = ?', [
            status,
            at.getTime(),
            id,
          ])
        : await this.db.run('UPDATE actions SET status = ?, updated_ms = ?, data = ? WHERE id = ?', [
            status,
            at.getTime(),
            JSON.stringify(data),
            id,
          ]);
    return n > 0;
  }

  async list(filter: { hostId?: string; status?: string; limit?: number } = {}): Promise<ActionRecord[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (filter.hostId !== undefined) {
      where.push('host_id = ?');
      params.push(filter.hostId);
    }
    if (filter.status !== undefined) {
      where.push('status = ?');
      params.push(filter.status);
    }
    params.push(filter.limit ?? 1000);
    const rows = await this.db.query(
      `SELECT * FROM actions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_ms, id LIMIT ?`,
      params,
    );
    return rows.map(actionFromRow);
  }
}
