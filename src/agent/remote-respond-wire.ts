import { z } from 'zod';
import { FindingSchema, IncidentSchema } from '../model/schemas.js';
import { ACTION_STATUSES, EntryDataSchema } from '../respond/journal/journal.js';
import { ACTION_KINDS } from '../respond/types.js';
import { RESPONSE_OPS } from '../store/response-requests.js';

/**
 * What the server and an agent say to each other about responses on the agent's host. The server validates what
 * agents report with these schemas and the agent what the server asks with them, so both read one contract.
 */
export const RequestIdSchema = z.string().regex(/^rq-[0-9a-f]{8,32}$/, 'rq- and hex digits');
export const RunIdSchema = z.string().regex(/^run-[0-9a-f]{1,32}$/, 'run- and hex digits');

/** One request as the agent receives it: everything the planner needs, decided when the user asked. */
export const AgentRequestSchema = z.object({
  id: RequestIdSchema,
  op: z.enum(RESPONSE_OPS),
  /** taken: this host took it before (an agent restarted); the agent's own record says whether it acted. */
  status: z.enum(['pending', 'taken']),
  incidentId: z.string().min(1).max(200),
  /** The incident and its findings as stored when the user asked (plan and apply). */
  incident: IncidentSchema.nullable(),
  findings: z.array(FindingSchema).max(5000),
  confirm: z.boolean(),
  /** The run to undo (undo). */
  runId: RunIdSchema.nullable(),
  requestedBy: z.string().max(200),
  expiresAt: z.iso.datetime({ offset: true }),
});
export type AgentRequest = z.infer<typeof AgentRequestSchema>;

export const AgentRequestListSchema = z.object({ requests: z.array(AgentRequestSchema).max(100) });

export const TakeAnswerSchema = z.object({
  /** true when this host had already taken it (an agent restart): act only if the agent's own record allows. */
  again: z.boolean(),
});

/** A journal entry exactly as the agent's journal holds it, so the fleet journal keeps params, scope and undo data. */
export const ReportedEntrySchema = EntryDataSchema.extend({
  id: z.string().regex(/^act-[0-9a-f]{1,32}$/),
  kind: z.enum(ACTION_KINDS),
  target: z.string().max(4096),
  status: z.enum(ACTION_STATUSES),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  /** The host the agent's journal names; the server stores the agent's own host whatever this says. */
  hostId: z.string().max(200).nullable().optional(),
});
export type ReportedEntry = z.infer<typeof ReportedEntrySchema>;

export const UndoOutcomeSchema = z.object({
  id: z.string().max(64),
  kind: z.string().max(32),
  ok: z.boolean(),
  reversible: z.boolean(),
  detail: z.string().max(4000),
});

export const ReportSchema = z
  .object({
    status: z.enum(['done', 'failed']),
    message: z.string().max(4000).optional(),
    runId: RunIdSchema.nullable(),
    apply: z.boolean(),
    notes: z.array(z.string().max(2000)).max(500),
    entries: z.array(ReportedEntrySchema).max(2000),
    outcomes: z.array(UndoOutcomeSchema).max(2000).optional(),
  })
  .strict();
export type Report = z.infer<typeof ReportSchema>;
