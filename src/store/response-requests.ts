/**
 * A response asked from the server for a host that its agent carries out: the server cannot act on another host,
 * so it stores the request and the host's agent takes it, runs it and reports back.
 */
export const RESPONSE_OPS = ['plan', 'apply', 'undo'] as const;
export type ResponseOp = (typeof RESPONSE_OPS)[number];

/** pending: waiting for the agent; taken: the agent is on it; done/failed: final (failed also on expiry). */
export const REQUEST_STATUSES = ['pending', 'taken', 'done', 'failed'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export interface ResponseRequestRecord {
  id: string;
  hostId: string;
  incidentId: string;
  op: ResponseOp;
  status: RequestStatus;
  /** The user who asked (name), for the audit trail. */
  requestedBy: string;
  createdAt: string;
  updatedAt: string;
  /** A request not taken, or taken and not reported, by then is failed: a dead agent's request does not hang. */
  expiresAt: string;
  takenAt: string | null;
  agentId: string | null;
  /** Why it failed, or a note on its outcome. */
  message: string | null;
  /** What the agent needs: incident, finding snapshots, options, the run to undo (JSON). */
  request: Record<string, unknown>;
  /** What the agent reported (JSON): run id, journal entries, notes, undo outcomes. */
  result: Record<string, unknown> | null;
}

export interface ResponseRequestsRepo {
  create(r: ResponseRequestRecord): Promise<void>;
  get(id: string): Promise<ResponseRequestRecord | null>;
  listForIncident(incidentId: string, limit: number): Promise<ResponseRequestRecord[]>;
  /** Ids and hosts of every pending or taken request that has not expired: few, read often by agent polls. */
  openIds(now: Date): Promise<Array<{ id: string; hostId: string; status: RequestStatus }>>;
  /** Open (pending, or taken and unreported) requests of one host that have not expired, oldest first. */
  openForHost(hostId: string, now: Date): Promise<ResponseRequestRecord[]>;
  /** pending -> taken, atomically; false when it is not pending, not this host's, or expired. */
  take(id: string, hostId: string, agentId: string, now: Date): Promise<boolean>;
  /**
   * Stores the agent's report: taken (or failed by expiry meanwhile: what happened on the host is kept) -> done or
   * failed. False when the request is not this host's or was already reported.
   */
  finish(
    id: string,
    hostId: string,
    status: 'done' | 'failed',
    message: string | null,
    result: Record<string, unknown>,
    now: Date,
  ): Promise<boolean>;
  /** pending or taken -> failed with the reason; false when it was not open. */
  fail(id: string, message: string, now: Date): Promise<boolean>;
  /** Fails every open request past its expiry with `message(status)`; returns how many. */
  expire(now: Date, message: (status: RequestStatus) => string): Promise<number>;
}
