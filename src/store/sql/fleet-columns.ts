// Columns and upserts of the fleet tables, shared by the SQLite and PostgreSQL writers.

export const FINDING_COLUMNS = [
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
export const FINDING_UPSERT = `ON CONFLICT (id) DO UPDATE SET
  severity = CASE WHEN excluded.time_ms >= findings.last_seen_ms THEN excluded.severity ELSE findings.severity END,
  severity_rank = CASE WHEN excluded.time_ms >= findings.last_seen_ms THEN excluded.severity_rank ELSE findings.severity_rank END,
  data = CASE WHEN excluded.time_ms >= findings.last_seen_ms THEN excluded.data ELSE findings.data END,
  incident_id = COALESCE(excluded.incident_id, findings.incident_id),
  first_seen_ms = CASE WHEN excluded.first_seen_ms < findings.first_seen_ms THEN excluded.first_seen_ms ELSE findings.first_seen_ms END,
  last_seen_ms = CASE WHEN excluded.last_seen_ms > findings.last_seen_ms THEN excluded.last_seen_ms ELSE findings.last_seen_ms END`;

export const HOST_COLUMNS = [
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
export const HOST_UPSERT = `ON CONFLICT (id) DO UPDATE SET
  name = excluded.name, info = excluded.info, agent_id = COALESCE(excluded.agent_id, hosts.agent_id),
  last_seen_ms = CASE WHEN excluded.last_seen_ms > hosts.last_seen_ms THEN excluded.last_seen_ms ELSE hosts.last_seen_ms END,
  last_heartbeat_ms = CASE WHEN excluded.last_heartbeat_ms > COALESCE(hosts.last_heartbeat_ms, -1)
    THEN excluded.last_heartbeat_ms ELSE hosts.last_heartbeat_ms END,
  heartbeat_interval_ms = CASE WHEN excluded.last_heartbeat_ms > COALESCE(hosts.last_heartbeat_ms, -1)
    THEN excluded.heartbeat_interval_ms ELSE hosts.heartbeat_interval_ms END`;

export const INCIDENT_COLUMNS = [
  'id',
  'host_id',
  'severity',
  'first_seen_ms',
  'last_seen_ms',
  'data',
] as const;
export const HEARTBEAT_COLUMNS = ['id', 'host_id', 'agent_id', 'time_ms', 'data'] as const;
export const INVENTORY_COLUMNS = ['id', 'host_id', 'time_ms', 'data'] as const;
export const CPU_SAMPLE_COLUMNS = ['id', 'host_id', 'time_ms', 'busy_pct', 'data'] as const;

export const INCIDENT_UPSERT = `ON CONFLICT (id) DO UPDATE SET
  severity = excluded.severity, data = excluded.data,
  first_seen_ms = CASE WHEN excluded.first_seen_ms < incidents.first_seen_ms THEN excluded.first_seen_ms ELSE incidents.first_seen_ms END,
  last_seen_ms = CASE WHEN excluded.last_seen_ms > incidents.last_seen_ms THEN excluded.last_seen_ms ELSE incidents.last_seen_ms END`;
