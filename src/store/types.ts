import { z } from 'zod';
import type { Finding } from '../model/finding.js';
import { FindingSchema, HostSchema, IncidentSchema } from '../model/schemas.js';

/** Roles, weakest first: a viewer reads, an analyst also triages and plans responses, an admin manages access. */
export const ROLES = ['viewer', 'analyst', 'admin'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** What an agent says about itself each interval; the id makes a redelivered heartbeat a no-op. */
export const ExecHeartbeatSchema = z.object({
  mode: z.enum(['netlink', 'poll', 'off']),
  reason: z.string().max(500).optional(),
  dropped: z.number().int().nonnegative().optional(),
  kernelOverruns: z.number().int().nonnegative().optional(),
  error: z.string().max(500).optional(),
});
export type ExecHeartbeat = z.infer<typeof ExecHeartbeatSchema>;

/** Versions of the server's policy, rule pack and intel pack an agent applied (null: none). */
export const ContentVersionsSchema = z.object({
  policy: z.string().max(200).nullable(),
  rules: z.string().max(200).nullable(),
  intel: z.string().max(200).nullable(),
});

export const HeartbeatSchema = z.object({
  id: z.string().min(1).max(200),
  time: z.iso.datetime({ offset: true }),
  intervalMs: z.number().int().positive().max(86_400_000),
  agentVersion: z.string().max(64).optional(),
  cpuPercent: z.number().min(0).max(100_000).optional(),
  rssBytes: z.number().int().nonnegative().optional(),
  queueDepth: z.number().int().nonnegative().optional(),
  queueDropped: z.number().int().nonnegative().optional(),
  /**
   * The agent's real-time exec source: netlink, or /proc polling with the reason (polling misses processes that
   * live less than its period), or off; with what it lost so far.
   */
  exec: ExecHeartbeatSchema.optional(),
  content: ContentVersionsSchema.optional(),
});
export type Heartbeat = z.infer<typeof HeartbeatSchema>;

/** One of the busiest processes of a CPU sample; `startTime` with `pid` names one process even after pid reuse. */
export const CpuProcessSchema = z.object({
  pid: z.number().int().nonnegative(),
  startTime: z.iso.datetime({ offset: true }),
  name: z.string().max(256),
  exe: z.string().max(4096).optional(),
  user: z.string().max(256).optional(),
  /** Percent of one core over the sample's window. */
  cpuPercent: z.number().min(0).max(100_000),
  container: z.string().max(256).optional(),
});
export type CpuProcess = z.infer<typeof CpuProcessSchema>;

export const CPU_SAMPLE_TOP = 5;

/**
 * The host's CPU as one scan measured it: busy % of all cores over the scan's sampling window and the busiest
 * processes then, so "since when does it burn, and what" can be answered later. Bounded: a few processes only.
 */
export const CpuSampleSchema = z.object({
  /** Busy % of all cores (100 = every core busy) over `windowMs`. */
  busyPercent: z.number().min(0).max(100),
  windowMs: z.number().int().nonnegative().max(3_600_000).optional(),
  cpus: z.number().int().positive().max(100_000).optional(),
  /** 1, 5 and 15 minute load averages. */
  load: z.array(z.number().nonnegative().max(1_000_000)).length(3).optional(),
  top: z.array(CpuProcessSchema).max(10),
});
export type CpuSample = z.infer<typeof CpuSampleSchema>;

/** A summary of what runs and listens on a host at one time; bounded so one snapshot cannot flood storage. */
export const InventorySchema = z.object({
  id: z.string().min(1).max(200),
  time: z.iso.datetime({ offset: true }),
  processes: z.object({ total: z.number().int().nonnegative(), byUser: z.record(z.string(), z.number()) }),
  listeners: z
    .array(
      z.object({
        transport: z.enum(['tcp', 'udp']),
        ip: z.string().max(64),
        port: z.number().int().min(0).max(65535),
        scope: z.string().max(16),
        process: z.string().max(256).optional(),
      }),
    )
    .max(5000),
  packages: z.array(z.object({ name: z.string().max(256), version: z.string().max(128) })).max(20_000),
  /** The host's CPU at the inventory's time (agents from before CPU history send none; older servers drop it). */
  cpu: CpuSampleSchema.optional(),
});
export type Inventory = z.infer<typeof InventorySchema>;

export const MAX_BATCH_FINDINGS = 5000;

/** One shipment from an agent: everything in it commits together or not at all. */
export const IngestBatchSchema = z.object({
  batchId: z.string().min(1).max(200),
  host: HostSchema,
  findings: z.array(FindingSchema).max(MAX_BATCH_FINDINGS).default([]),
  incidents: z.array(IncidentSchema).max(1000).default([]),
  heartbeats: z.array(HeartbeatSchema).max(100).default([]),
  inventory: z.array(InventorySchema).max(10).default([]),
});
export type IngestBatch = z.infer<typeof IngestBatchSchema>;

export interface IngestResult {
  findings: number;
  incidents: number;
  heartbeats: number;
  inventory: number;
}

export interface HostRecord {
  id: string;
  name: string;
  info: Record<string, unknown>;
  agentId: string | null;
  firstSeen: string;
  lastSeen: string;
  lastHeartbeat: string | null;
  heartbeatIntervalMs: number | null;
}

export interface StoredFinding {
  finding: Finding;
  firstSeen: string;
  lastSeen: string;
}

export interface FindingFilter {
  hostId?: string;
  ruleId?: string;
  limit?: number;
}

export interface AgentRecord {
  id: string;
  hostId: string;
  name: string;
  createdAt: string;
  revokedAt: string | null;
  lastSeen: string | null;
}

export interface EnrollmentTokenRecord {
  id: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  maxUses: number;
  uses: number;
  revokedAt: string | null;
}

export interface UserRecord {
  id: string;
  name: string;
  role: Role;
  passwordHash: string;
  createdAt: string;
  disabledAt: string | null;
}

export interface ApiTokenRecord {
  id: string;
  userId: string;
  name: string;
  role: Role;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface SessionRecord {
  userId: string;
  createdAt: string;
  expiresAt: string;
}

export interface ActionRecord {
  id: string;
  kind: string;
  hostId: string | null;
  target: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  data: Record<string, unknown>;
}

/** How long each kind of record is kept, in days; 0 keeps forever. */
export const RetentionSchema = z.object({
  findingsDays: z.number().int().nonnegative().default(90),
  incidentsDays: z.number().int().nonnegative().default(365),
  heartbeatsDays: z.number().int().nonnegative().default(7),
  inventoryDays: z.number().int().nonnegative().default(30),
  actionsDays: z.number().int().nonnegative().default(365),
  /** CPU samples (one per host per scan); absent means CPU_SAMPLES_DAYS. */
  cpuSamplesDays: z.number().int().nonnegative().optional(),
});
export const CPU_SAMPLES_DAYS = 14;
export type Retention = z.infer<typeof RetentionSchema>;

export interface RetentionResult {
  findings: number;
  incidents: number;
  heartbeats: number;
  inventory: number;
  actions: number;
  sessions: number;
  /** Finished response requests for remote hosts, kept as long as the journal (actionsDays). */
  responseRequests: number;
  cpuSamples: number;
}

/** A stored CPU sample of one host. */
export interface CpuSampleRecord extends CpuSample {
  id: string;
  hostId: string;
  time: string;
}
