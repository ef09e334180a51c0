import type { SqlDriver } from './sql/driver.js';

/**
 * Append-only: a released migration is never edited, a change is a new entry. The DDL is written so SQLite and
 * PostgreSQL both accept it (TEXT, BIGINT, INTEGER; JSON as TEXT; times as epoch ms).
 */
export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'fleet and access',
    statements: [
      `CREATE TABLE hosts (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, info TEXT NOT NULL, agent_id TEXT,
        first_seen_ms BIGINT NOT NULL, last_seen_ms BIGINT NOT NULL,
        last_heartbeat_ms BIGINT, heartbeat_interval_ms BIGINT)`,
      `CREATE TABLE findings (
        id TEXT PRIMARY KEY, host_id TEXT NOT NULL, rule_id TEXT NOT NULL, severity TEXT NOT NULL,
        severity_rank INTEGER NOT NULL, category TEXT NOT NULL, time_ms BIGINT NOT NULL,
        first_seen_ms BIGINT NOT NULL, last_seen_ms BIGINT NOT NULL, received_ms BIGINT NOT NULL,
        incident_id TEXT, data TEXT NOT NULL)`,
      'CREATE INDEX findings_host ON findings (host_id, last_seen_ms)',
      'CREATE INDEX findings_rule ON findings (rule_id)',
      'CREATE INDEX findings_last_seen ON findings (last_seen_ms)',
      `CREATE TABLE incidents (
        id TEXT PRIMARY KEY, host_id TEXT NOT NULL, severity TEXT NOT NULL,
        first_seen_ms BIGINT NOT NULL, last_seen_ms BIGINT NOT NULL, data TEXT NOT NULL)`,
      'CREATE INDEX incidents_host ON incidents (host_id)',
      `CREATE TABLE heartbeats (
        id TEXT PRIMARY KEY, host_id TEXT NOT NULL, agent_id TEXT, time_ms BIGINT NOT NULL, data TEXT NOT NULL)`,
      'CREATE INDEX heartbeats_host ON heartbeats (host_id, time_ms)',
      `CREATE TABLE inventory (
        id TEXT PRIMARY KEY, host_id TEXT NOT NULL, time_ms BIGINT NOT NULL, data TEXT NOT NULL)`,
      'CREATE INDEX inventory_host ON inventory (host_id, time_ms)',
      `CREATE TABLE enrollment_tokens (
        id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, created_by TEXT NOT NULL,
        created_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL, max_uses INTEGER NOT NULL,
        uses INTEGER NOT NULL, revoked_ms BIGINT)`,
      `CREATE TABLE agents (
        id TEXT PRIMARY KEY, host_id TEXT NOT NULL, name TEXT NOT NULL, credential_hash TEXT NOT NULL UNIQUE,
        created_ms BIGINT NOT NULL, revoked_ms BIGINT, last_seen_ms BIGINT)`,
      `CREATE TABLE users (
        id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL, password_hash TEXT NOT NULL,
        created_ms BIGINT NOT NULL, disabled_ms BIGINT)`,
      `CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY, user_id TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE, created_ms BIGINT NOT NULL, expires_ms BIGINT, revoked_ms BIGINT)`,
      `CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, created_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL)`,
      `CREATE TABLE actions (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, host_id TEXT, target TEXT NOT NULL, status TEXT NOT NULL,
        created_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL, data TEXT NOT NULL)`,
      'CREATE INDEX actions_host ON actions (host_id, created_ms)',
    ],
  },
  {
    version: 2,
    name: 'content pushed to agents',
    statements: [
      `CREATE TABLE agent_content (
        kind TEXT PRIMARY KEY, version TEXT NOT NULL, etag TEXT NOT NULL, body TEXT NOT NULL, meta TEXT NOT NULL,
        updated_ms BIGINT NOT NULL, updated_by TEXT NOT NULL)`,
    ],
  },
  {
    version: 3,
    name: 'listener state for open-port monitoring',
    statements: [
      // One row per host: the listener set of its last posture run (JSON), so changes survive restarts.
      `CREATE TABLE listener_state (
        host_id TEXT PRIMARY KEY, time_ms BIGINT NOT NULL, data TEXT NOT NULL)`,
    ],
  },
  {
    version: 4,
    name: 'response requests for remote hosts',
    statements: [
      // One row per plan/apply/undo asked from the server for a host's agent: pending -> taken -> done | failed.
      `CREATE TABLE response_requests (
        id TEXT PRIMARY KEY, host_id TEXT NOT NULL, incident_id TEXT NOT NULL, op TEXT NOT NULL,
        status TEXT NOT NULL, requested_by TEXT NOT NULL, created_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL,
        expires_ms BIGINT NOT NULL, taken_ms BIGINT, agent_id TEXT, message TEXT, request TEXT NOT NULL,
        result TEXT)`,
      'CREATE INDEX response_requests_status ON response_requests (status, host_id)',
      'CREATE INDEX response_requests_incident ON response_requests (incident_id, created_ms)',
    ],
  },
  {
    version: 5,
    name: 'CPU history per host',
    statements: [
      // One row per host and scan: busy % as a column for queries across hosts, the busiest processes in data.
      `CREATE TABLE cpu_samples (
        id TEXT PRIMARY KEY, host_id TEXT NOT NULL, time_ms BIGINT NOT NULL, busy_pct DOUBLE PRECISION NOT NULL,
        data TEXT NOT NULL)`,
      'CREATE INDEX cpu_samples_host ON cpu_samples (host_id, time_ms)',
      'CREATE INDEX cpu_samples_time ON cpu_samples (time_ms)',
    ],
  },
];

const LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)`;

// Any constant works; it only has to be the same for every replica migrating the same database.
const PG_MIGRATION_LOCK = 0x6d77_6d69;

/**
 * Applies what is missing, each migration in its own transaction. Replicas starting together on PostgreSQL take
 * an advisory lock so only one migrates; SQLite's BEGIN IMMEDIATE does the same for processes sharing a file.
 */
export async function migrate(
  driver: SqlDriver,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  await driver.exec(LEDGER);
  const applied: number[] = [];
  for (const m of migrations) {
    const did = await driver.transaction(async (tx) => {
      if (driver.dialect === 'postgres')
        await tx.query('SELECT pg_advisory_xact_lock(?)', [PG_MIGRATION_LOCK]);
      const have = await tx.query('SELECT version FROM schema_migrations WHERE version = ?', [m.version]);
      if (have.length > 0) return false;
      for (const s of m.statements) await tx.run(s);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)', [
        m.version,
        m.name,
        Date.now(),
      ]);
      return true;
    });
    if (did) applied.push(m.version);
  }
  return applied;
}
