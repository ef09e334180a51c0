import type { Incident } from '../model/incident.js';
import type { ContentRepo } from './content.js';
import type { ResponseRequestsRepo } from './response-requests.js';
import type {
  ActionRecord,
  AgentRecord,
  ApiTokenRecord,
  CpuSampleRecord,
  EnrollmentTokenRecord,
  FindingFilter,
  Heartbeat,
  HostRecord,
  IngestBatch,
  IngestResult,
  Inventory,
  Retention,
  RetentionResult,
  Role,
  SessionRecord,
  StoredFinding,
  UserRecord,
} from './types.js';

/**
 * Hosts and what was found on them. A batch commits whole or not at all (often in one transaction with batches that
 * arrived alongside it: group commit), and ingest is idempotent by record id.
 */
export interface FleetRepo {
  /** `agentId` is the authenticated sender, recorded on the host; null for local or trusted writers. */
  ingest(batch: IngestBatch, agentId: string | null, receivedAt: Date): Promise<IngestResult>;
  listHosts(): Promise<HostRecord[]>;
  getHost(id: string): Promise<HostRecord | null>;
  listFindings(filter?: FindingFilter): Promise<StoredFinding[]>;
  countFindings(): Promise<number>;
  listIncidents(hostId?: string): Promise<Incident[]>;
  latestInventory(hostId: string): Promise<Inventory | null>;
  recentHeartbeats(hostId: string, limit: number): Promise<Heartbeat[]>;
  /** CPU samples of a host with `sinceMs <= time < untilMs`, oldest first, at most `limit` (the newest kept). */
  cpuSamples(hostId: string, sinceMs: number, untilMs: number, limit: number): Promise<CpuSampleRecord[]>;
}

export interface NewEnrollmentToken {
  id: string;
  tokenHash: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  maxUses: number;
}

export interface NewAgent {
  id: string;
  hostId: string;
  name: string;
  credentialHash: string;
  createdAt: Date;
}

export interface NewUser {
  id: string;
  name: string;
  role: Role;
  passwordHash: string;
  createdAt: Date;
}

export interface NewApiToken {
  id: string;
  userId: string;
  name: string;
  role: Role;
  tokenHash: string;
  createdAt: Date;
  expiresAt: Date | null;
}

/** Credentials are only ever stored and looked up by hash; the plain secret exists once, in the response. */
export interface AuthRepo {
  createEnrollmentToken(t: NewEnrollmentToken): Promise<void>;
  /** Atomically counts one use; null when unknown, expired, used up or revoked. */
  useEnrollmentToken(tokenHash: string, now: Date): Promise<EnrollmentTokenRecord | null>;
  listEnrollmentTokens(): Promise<EnrollmentTokenRecord[]>;
  revokeEnrollmentToken(id: string, now: Date): Promise<boolean>;

  createAgent(a: NewAgent): Promise<void>;
  /**
   * Returns revoked agents too, so callers can tell "revoked" from "unknown". A live agent's record may be served
   * from a short cache (seconds; `lastSeen` may lag); a revocation made through this store is seen at once.
   */
  findAgentByCredential(credentialHash: string): Promise<AgentRecord | null>;
  getAgent(id: string): Promise<AgentRecord | null>;
  listAgents(): Promise<AgentRecord[]>;
  revokeAgent(id: string, now: Date): Promise<boolean>;

  createUser(u: NewUser): Promise<void>;
  findUserByName(name: string): Promise<UserRecord | null>;
  getUser(id: string): Promise<UserRecord | null>;
  listUsers(): Promise<UserRecord[]>;
  countUsers(): Promise<number>;

  createApiToken(t: NewApiToken): Promise<void>;
  findApiToken(tokenHash: string): Promise<ApiTokenRecord | null>;
  listApiTokens(userId?: string): Promise<ApiTokenRecord[]>;
  revokeApiToken(id: string, now: Date): Promise<boolean>;

  createSession(idHash: string, userId: string, createdAt: Date, expiresAt: Date): Promise<void>;
  findSession(idHash: string, now: Date): Promise<SessionRecord | null>;
  deleteSession(idHash: string): Promise<void>;
}

/** The journal the response engine writes: one row per planned/executed/undone action. */
export interface ActionsRepo {
  append(a: ActionRecord): Promise<void>;
  updateStatus(id: string, status: string, at: Date, data?: Record<string, unknown>): Promise<boolean>;
  list(filter?: { hostId?: string; status?: string; limit?: number }): Promise<ActionRecord[]>;
  /**
   * Inserts an entry or, when one with its id exists for the same host, replaces its status and data unless the
   * stored copy is newer: how journal entries an agent reports reach the fleet journal, any number of times.
   */
  upsert(a: ActionRecord): Promise<void>;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly fleet: FleetRepo;
  readonly auth: AuthRepo;
  readonly actions: ActionsRepo;
  /** Policy, custom rules and pool intel served to agents. */
  readonly content: ContentRepo;
  /** Responses asked for remote hosts, carried out by their agents. */
  readonly responses: ResponseRequestsRepo;
  /** Deletes what is older than the policy allows, and expired sessions. */
  applyRetention(policy: Retention, now: Date): Promise<RetentionResult>;
  close(): Promise<void>;
}
