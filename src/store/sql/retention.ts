import { CPU_SAMPLES_DAYS, type Retention, type RetentionResult } from '../types.js';
import type { SqlDriver } from './driver.js';

const DAY_MS = 86_400_000;

/** Deletes by the newest time a record was seen, so something still happening is never aged out. */
export async function applyRetention(db: SqlDriver, policy: Retention, now: Date): Promise<RetentionResult> {
  const ms = now.getTime();
  const older = async (table: string, column: string, days: number): Promise<number> =>
    days === 0 ? 0 : db.run(`DELETE FROM ${table} WHERE ${column} < ?`, [ms - days * DAY_MS]);
  return {
    findings: await older('findings', 'last_seen_ms', policy.findingsDays),
    incidents: await older('incidents', 'last_seen_ms', policy.incidentsDays),
    heartbeats: await older('heartbeats', 'time_ms', policy.heartbeatsDays),
    inventory: await older('inventory', 'time_ms', policy.inventoryDays),
    actions: await older('actions', 'updated_ms', policy.actionsDays),
    cpuSamples: await older('cpu_samples', 'time_ms', policy.cpuSamplesDays ?? CPU_SAMPLES_DAYS),
    sessions: await db.run('DELETE FROM sessions WHERE expires_ms <= ?', [ms]),
    // Requests are the audit trail of the journal's remote entries: finished ones go with the journal's age.
    responseRequests:
      policy.actionsDays === 0
        ? 0
        : await db.run(
            `DELETE FROM response_requests WHERE status IN ('done', 'failed') AND updated_ms < ?`,
            [ms - policy.actionsDays * DAY_MS],
          ),
  };
}
