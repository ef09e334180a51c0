import { z } from 'zod';
import { UndoOutcomeSchema } from '../agent/remote-respond-wire.js';
import { Journal, type JournalEntry } from '../respond/journal/journal.js';
import { REQUEST_STATUSES, RESPONSE_OPS, type ResponseRequestRecord } from '../store/response-requests.js';
import type { Store } from '../store/store.js';

/** One journal entry as the dashboard shows it (params and undo data stay in the store). */
export const Entry = z.object({
  id: z.string(),
  runId: z.string(),
  kind: z.string(),
  target: z.string(),
  status: z.string(),
  summary: z.string(),
  reason: z.string(),
  detail: z.string().optional(),
  reversible: z.boolean(),
  needsConfirmation: z.boolean(),
  simulate: z.boolean(),
  updatedAt: z.string(),
});

export function entry(e: JournalEntry): z.infer<typeof Entry> {
  return {
    id: e.id,
    runId: e.runId,
    kind: e.kind,
    target: e.target,
    status: e.status,
    summary: e.summary,
    reason: e.reason,
    ...(e.detail ? { detail: e.detail } : {}),
    reversible: e.reversible,
    needsConfirmation: e.needsConfirmation,
    simulate: e.simulate,
    updatedAt: e.updatedAt,
  };
}

/** A response asked for a remote host, with what its agent reported once it did. */
export const RequestView = z.object({
  id: z.string(),
  op: z.enum(RESPONSE_OPS),
  status: z.enum(REQUEST_STATUSES),
  hostId: z.string(),
  incidentId: z.string(),
  requestedBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  expiresAt: z.string(),
  takenAt: z.string().nullable(),
  message: z.string().nullable(),
  confirm: z.boolean(),
  /** The run an undo request undoes. */
  undoRunId: z.string().nullable(),
  result: z
    .object({
      runId: z.string().nullable(),
      apply: z.boolean(),
      notes: z.array(z.string()),
      entries: z.array(Entry),
      outcomes: z.array(UndoOutcomeSchema).optional(),
    })
    .nullable(),
});
export type RequestViewT = z.infer<typeof RequestView>;

const StoredResult = z.object({
  runId: z.string().nullable(),
  apply: z.boolean(),
  notes: z.array(z.string()),
  entryIds: z.array(z.string()),
  outcomes: z.array(UndoOutcomeSchema).optional(),
});

/** The request with the reported entries read back from the fleet journal (as they are now: undone shows). */
export async function requestView(store: Store, r: ResponseRequestRecord): Promise<RequestViewT> {
  const req = r.request as { confirm?: unknown; runId?: unknown };
  let result: RequestViewT['result'] = null;
  const stored = r.result ? StoredResult.safeParse(r.result) : null;
  if (stored?.success) {
    const ids = new Set(stored.data.entryIds);
    const all = await new Journal(store.actions, r.hostId).list(
      stored.data.runId ? { runId: stored.data.runId } : {},
    );
    result = {
      runId: stored.data.runId,
      apply: stored.data.apply,
      notes: stored.data.notes,
      entries: all.filter((e) => ids.has(e.id)).map(entry),
      ...(stored.data.outcomes ? { outcomes: stored.data.outcomes } : {}),
    };
  }
  return {
    id: r.id,
    op: r.op,
    status: r.status,
    hostId: r.hostId,
    incidentId: r.incidentId,
    requestedBy: r.requestedBy,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    expiresAt: r.expiresAt,
    takenAt: r.takenAt,
    message: r.message,
    confirm: req.confirm === true,
    undoRunId: r.op === 'undo' && typeof req.runId === 'string' ? req.runId : null,
    result,
  };
}
