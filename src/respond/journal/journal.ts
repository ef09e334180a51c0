import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { MinewardenError } from '../../model/errors.js';
import type { ActionsRepo } from '../../store/store.js';
import type { ActionRecord } from '../../store/types.js';
import { ACTION_KINDS, type PlannedAction } from '../types.js';

export const ACTION_STATUSES = [
  'planned',
  'simulated',
  'skipped',
  'refused',
  'failed',
  'applied',
  'undone',
  'undo-failed',
] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

/** Where an action ran: undo must act on the same root, namespace and state dir, whatever its own flags say. */
const ScopeSchema = z.object({
  root: z.string(),
  stateDir: z.string(),
  netns: z.string().optional(),
  firewallBackend: z.enum(['nft', 'iptables']).optional(),
});
export type ActionScope = z.infer<typeof ScopeSchema>;

/** The journal's view of one action; stored as the store's generic action record (`data` holds the rest). */
export const EntryDataSchema = z.object({
  runId: z.string(),
  seq: z.number().int(),
  summary: z.string(),
  reason: z.string(),
  findingIds: z.array(z.string()),
  incidentId: z.string().optional(),
  ruleId: z.string().optional(),
  simulate: z.boolean(),
  needsConfirmation: z.boolean(),
  reversible: z.boolean(),
  params: z.unknown(),
  scope: ScopeSchema,
  detail: z.string().optional(),
  verify: z.object({ ok: z.boolean(), detail: z.string() }).optional(),
  undo: z.unknown().optional(),
  appliedAt: z.string().optional(),
  history: z.array(
    z.object({ time: z.string(), status: z.enum(ACTION_STATUSES), detail: z.string().optional() }),
  ),
});
export type EntryData = z.infer<typeof EntryDataSchema>;

export interface JournalEntry extends EntryData {
  id: string;
  kind: (typeof ACTION_KINDS)[number];
  hostId: string | null;
  target: string;
  status: ActionStatus;
  createdAt: string;
  updatedAt: string;
}

export interface JournalFilter {
  incidentId?: string;
  runId?: string;
  status?: ActionStatus;
  kind?: string;
  limit?: number;
}

function parseRecord(r: ActionRecord): JournalEntry {
  const kind = z.enum(ACTION_KINDS).safeParse(r.kind);
  const status = z.enum(ACTION_STATUSES).safeParse(r.status);
  const data = EntryDataSchema.safeParse(r.data);
  if (!kind.success || !status.success || !data.success) {
    const field = !kind.success
      ? 'kind'
      : !status.success
        ? 'status'
        : (data.error?.issues[0]?.path.join('.') ?? '');
    throw new MinewardenError('MW_INPUT_SCHEMA', `journal entry ${r.id} is malformed`, { field });
  }
  return {
    ...data.data,
    id: r.id,
    kind: kind.data,
    hostId: r.hostId,
    target: r.target,
    status: status.data,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

/** Short enough to type in `undo ID`, random enough not to collide across hosts. */
export function newActionId(): string {
  return `act-${randomBytes(5).toString('hex')}`;
}

/**
 * Every planned and executed action, its result and its undo data, with a history of each status change. Backed by
 * the store's actions table, so the agent, the server and the CLI read the same journal.
 */
export class Journal {
  constructor(
    private readonly repo: ActionsRepo,
    private readonly hostId: string | null,
    private readonly now: () => number = Date.now,
  ) {}

  async record(
    plan: PlannedAction,
    ctx: { runId: string; seq: number; scope: ActionScope },
    status: ActionStatus,
    detail?: string,
  ): Promise<JournalEntry> {
    const time = new Date(this.now()).toISOString();
    const data: EntryData = {
      runId: ctx.runId,
      seq: ctx.seq,
      summary: plan.summary,
      reason: plan.reason,
      findingIds: plan.findingIds,
      ...(plan.incidentId ? { incidentId: plan.incidentId } : {}),
      ...(plan.ruleId ? { ruleId: plan.ruleId } : {}),
      simulate: plan.simulate,
      needsConfirmation: plan.needsConfirmation,
      reversible: plan.reversible,
      params: plan.params,
      scope: ctx.scope,
      ...(detail ? { detail } : {}),
      history: [{ time, status, ...(detail ? { detail } : {}) }],
    };
    const rec: ActionRecord = {
      id: newActionId(),
      kind: plan.kind,
      hostId: this.hostId,
      target: plan.target,
      status,
      createdAt: time,
      updatedAt: time,
      data,
    };
    await this.repo.append(rec);
    return parseRecord(rec);
  }

  /** Moves an entry to a new status, merging `patch` into its data and appending to its history. */
  async update(
    entry: JournalEntry,
    status: ActionStatus,
    patch: Partial<Pick<EntryData, 'detail' | 'verify' | 'undo' | 'appliedAt'>> = {},
  ): Promise<JournalEntry> {
    const at = new Date(this.now());
    const next: JournalEntry = {
      ...entry,
      ...patch,
      status,
      updatedAt: at.toISOString(),
      history: [
        ...entry.history,
        { time: at.toISOString(), status, ...(patch.detail ? { detail: patch.detail } : {}) },
      ],
    };
    const { id, kind, hostId, target, status: _s, createdAt, updatedAt, ...data } = next;
    await this.repo.updateStatus(id, status, at, data);
    return next;
  }

  async get(id: string): Promise<JournalEntry | null> {
    const all = await this.repo.list({ limit: 1_000_000 });
    const r = all.find((a) => a.id === id);
    return r ? parseRecord(r) : null;
  }

  async list(filter: JournalFilter = {}): Promise<JournalEntry[]> {
    const rows = await this.repo.list({
      ...(this.hostId ? { hostId: this.hostId } : {}),
      ...(filter.status ? { status: filter.status } : {}),
      limit: 1_000_000,
    });
    const out = rows
      .filter((r) => ACTION_KINDS.includes(r.kind as (typeof ACTION_KINDS)[number]))
      .map(parseRecord)
      .filter(
        (e) =>
          (!filter.incidentId || e.incidentId === filter.incidentId) &&
          (!filter.runId || e.runId === filter.runId) &&
          (!filter.kind || e.kind === filter.kind),
      );
    return filter.limit ? out.slice(-filter.limit) : out;
  }

  /** Epoch ms of every applied action of each kind since `sinceMs`: rate limits count these. */
  async appliedSince(sinceMs: number): Promise<Array<{ kind: string; at: number }>> {
    const out: Array<{ kind: string; at: number }> = [];
    for (const e of await this.list()) {
      const at = e.appliedAt ? Date.parse(e.appliedAt) : Number.NaN;
      if (at >= sinceMs) out.push({ kind: e.kind, at });
    }
    return out;
  }
}
