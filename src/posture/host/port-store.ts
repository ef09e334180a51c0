import { MinewardenError } from '../../model/errors.js';
import { openMigratedDriver } from '../../store/open.js';
import { num, type SqlDriver, str } from '../../store/sql/driver.js';
import { type PortState, parsePortState } from './port-state.js';

/**
 * The last listener set per host in the store (migration 3, listener_state), so open-port monitoring compares
 * against the previous run even after the agent, the server or the machine restarted.
 */
export class SqlPortStateStore {
  constructor(private readonly driver: SqlDriver) {}

  async load(hostId: string): Promise<PortState | undefined> {
    const rows = await this.driver.query('SELECT time_ms, data FROM listener_state WHERE host_id = ?', [
      hostId,
    ]);
    const row = rows[0];
    if (!row) return undefined;
    const where = `listener_state[${hostId}]`;
    let raw: unknown;
    try {
      raw = JSON.parse(str(row.data));
    } catch {
      throw new MinewardenError('MW_INPUT_PARSE', 'stored listener state is not valid JSON', { file: where });
    }
    const state = parsePortState(raw, where);
    if (new Date(state.time).getTime() !== num(row.time_ms))
      throw new MinewardenError('MW_INPUT_SCHEMA', 'stored listener state disagrees with its row time', {
        file: where,
        field: 'time',
      });
    return state;
  }

  /** Replaces the host's state in one statement: a crash leaves the old set or the new one, never half. */
  async save(hostId: string, state: PortState): Promise<void> {
    await this.driver.run(
      `INSERT INTO listener_state (host_id, time_ms, data) VALUES (?, ?, ?)
       ON CONFLICT (host_id) DO UPDATE SET time_ms = excluded.time_ms, data = excluded.data`,
      [hostId, new Date(state.time).getTime(), JSON.stringify(state)],
    );
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}

/** Opens (and migrates) the store at `url` (sqlite:PATH, a path, or postgres://) for listener state only. */
export async function openPortStateStore(url: string, schema?: string): Promise<SqlPortStateStore> {
  return new SqlPortStateStore(await openMigratedDriver(url, schema === undefined ? {} : { schema }));
}
