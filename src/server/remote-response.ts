import { createHash, randomBytes } from 'node:crypto';
import { type AgentRequest, AgentRequestSchema, type Report } from '../agent/remote-respond-wire.js';
import type { Finding } from '../model/finding.js';
import type { Incident } from '../model/incident.js';
import type { RequestStatus, ResponseOp, ResponseRequestRecord } from '../store/response-requests.js';
import type { Store } from '../store/store.js';

/** How long a request waits for its agent to take it and report, unless the caller asks for another time. */
export const DEFAULT_REQUEST_TTL_MS = 5 * 60_000;
/** How long a replica reuses the list of open requests: agents poll every few seconds, mostly for nothing. */
const OPEN_CACHE_MS = 1000;

/** What a request stores for its agent (the `request` column). */
interface RequestBody {
  incident: Incident | null;
  findings: Finding[];
  confirm: boolean;
  runId: string | null;
}

export interface AskOptions {
  op: ResponseOp;
  hostId: string;
  incidentId: string;
  incident: Incident | null;
  findings: readonly Finding[];
  confirm: boolean;
  runId: string | null;
  requestedBy: string;
  ttlMs?: number;
}

function expiryMessage(status: RequestStatus): string {
  return status === 'pending'
    ? 'expired: the host agent did not take the request in time (is it running and enrolled?)'
    : 'expired: the host agent took the request but did not report in time (did it stop?)';
}

/**
 * Responses on hosts other than the server's own: stored as requests, taken and carried out by the host's agent,
 * which reports its journal entries back into the fleet journal. A dead agent's request fails at its expiry.
 */
export class RemoteResponses {
  private open: { at: number; ids: Array<{ id: string; hostId: string }> } | null = null;

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  /** The live (not revoked) agent enrolled for a host, or null: without one nobody can act there. */
  async agentFor(hostId: string): Promise<{ id: string; name: string } | null> {
    const agents = await this.store.auth.listAgents();
    const a = agents.filter((x) => x.hostId === hostId && x.revokedAt === null).at(-1);
    return a ? { id: a.id, name: a.name } : null;
  }

  async ask(o: AskOptions): Promise<ResponseRequestRecord> {
    const now = this.now();
    const body: RequestBody = {
      incident: o.incident,
      findings: [...o.findings],
      confirm: o.confirm,
      runId: o.runId,
    };
    const rec: ResponseRequestRecord = {
      id: `rq-${randomBytes(8).toString('hex')}`,
      hostId: o.hostId,
      incidentId: o.incidentId,
      op: o.op,
      status: 'pending',
      requestedBy: o.requestedBy,
      createdAt: new Date(now).toISOString(),
      updatedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + (o.ttlMs ?? DEFAULT_REQUEST_TTL_MS)).toISOString(),
      takenAt: null,
      agentId: null,
      message: null,
      request: body as unknown as Record<string, unknown>,
      result: null,
    };
    await this.store.responses.create(rec);
    this.open = null;
    return rec;
  }

  /** Fails what expired, so readers never see a dead agent's request as still pending. */
  private async sweep(): Promise<void> {
    await this.store.responses.expire(new Date(this.now()), expiryMessage);
  }

  async get(id: string): Promise<ResponseRequestRecord | null> {
    await this.sweep();
    return this.store.responses.get(id);
  }

  async forIncident(incidentId: string, limit = 20): Promise<ResponseRequestRecord[]> {
    await this.sweep();
    return this.store.responses.listForIncident(incidentId, limit);
  }

  /**
   * The open requests of one host and an ETag over them. Most polls find no open request anywhere: those are
   * answered from the replica's cached id list without a query of their own.
   */
  async forAgent(hostId: string): Promise<{ etag: string; requests: AgentRequest[] }> {
    const now = this.now();
    if (!this.open || now - this.open.at >= OPEN_CACHE_MS) {
      await this.sweep();
      this.open = { at: now, ids: await this.store.responses.openIds(new Date(now)) };
    }
    if (!this.open.ids.some((r) => r.hostId === hostId)) return { etag: '"rr-none"', requests: [] };
    const recs = await this.store.responses.openForHost(hostId, new Date(now));
    const requests: AgentRequest[] = [];
    const h = createHash('sha256');
    for (const r of recs) {
      // A stored request the agent contract no longer accepts fails here, with the field, instead of failing the
      // whole list for this host on every poll.
      const checked = AgentRequestSchema.safeParse(toAgent(r));
      if (!checked.success) {
        const issue = checked.error.issues[0];
        await this.store.responses.fail(
          r.id,
          `malformed request: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
          new Date(now),
        );
        this.open = null;
        continue;
      }
      requests.push(checked.data);
      h.update(`${r.id}:${r.status}\n`);
    }
    return { etag: `"rr-${h.digest('hex').slice(0, 24)}"`, requests };
  }

  /** pending -> taken for this host; `again` when this host had taken it already (a restarted agent). */
  async take(
    id: string,
    hostId: string,
    agentId: string,
  ): Promise<{ ok: true; again: boolean } | { ok: false; message: string }> {
    await this.sweep();
    if (await this.store.responses.take(id, hostId, agentId, new Date(this.now()))) {
      this.open = null;
      return { ok: true, again: false };
    }
    const rec = await this.store.responses.get(id);
    if (!rec || rec.hostId !== hostId) return { ok: false, message: 'no such request for this host' };
    if (rec.status === 'taken') return { ok: true, again: true };
    return { ok: false, message: `request is ${rec.status}${rec.message ? `: ${rec.message}` : ''}` };
  }

  /**
   * Stores the agent's journal entries in the fleet journal under the agent's host (never the host a body names),
   * then the outcome on the request. Reporting twice stores the entries again (idempotent) and keeps the first
   * outcome.
   */
  async report(
    id: string,
    hostId: string,
    report: Report,
  ): Promise<{ ok: true; stored: boolean } | { ok: false; status: 404 | 409; message: string }> {
    const rec = await this.store.responses.get(id);
    if (!rec || rec.hostId !== hostId)
      return { ok: false, status: 404, message: 'no such request for this host' };
    if (rec.status === 'pending')
      return { ok: false, status: 409, message: 'request was not taken: take it before reporting' };
    for (const e of report.entries) {
      const { id: actionId, kind, target, status, createdAt, updatedAt, hostId: _h, ...data } = e;
      await this.store.actions.upsert({
        id: actionId,
        kind,
        hostId,
        target,
        status,
        createdAt,
        updatedAt,
        data,
      });
    }
    const late = rec.status === 'failed' && rec.result === null;
    const message =
      [report.message, late ? `reported after the request expired (${rec.message ?? 'expired'})` : undefined]
        .filter((m): m is string => Boolean(m))
        .join('; ') || null;
    const result = {
      runId: report.runId,
      apply: report.apply,
      notes: report.notes,
      entryIds: report.entries.map((e) => e.id),
      ...(report.outcomes ? { outcomes: report.outcomes } : {}),
    };
    const stored = await this.store.responses.finish(
      id,
      hostId,
      report.status,
      message,
      result,
      new Date(this.now()),
    );
    this.open = null;
    return { ok: true, stored };
  }
}

function toAgent(r: ResponseRequestRecord): AgentRequest {
  const body = r.request as unknown as RequestBody;
  return {
    id: r.id,
    op: r.op,
    status: r.status === 'taken' ? 'taken' : 'pending',
    incidentId: r.incidentId,
    incident: body.incident ?? null,
    findings: body.findings ?? [],
    confirm: body.confirm === true,
    runId: body.runId ?? null,
    requestedBy: r.requestedBy,
    expiresAt: r.expiresAt,
  };
}
