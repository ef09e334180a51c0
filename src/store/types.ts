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
});
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
}
