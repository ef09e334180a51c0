import { z } from 'zod';
import type { JournalEntry } from '../../respond/journal/journal.js';
import { guard } from '../auth/guard.js';
import { ErrorBody, GUARDED, type ServerContext, type ZodApp } from '../context.js';
import type { LocalResponder } from '../local-response.js';

const Entry = z.object({
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
const Run = z.object({
  runId: z.string(),
  apply: z.boolean(),
  entries: z.array(Entry),
  notes: z.array(z.string()),
});
const RespondBody = z.object({ apply: z.boolean(), confirm: z.boolean().default(false) }).strict();
const Id = z.string().min(1).max(200);

function entry(e: JournalEntry): z.infer<typeof Entry> {
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

/** Plan, apply and undo a response to an incident from the browser; viewers read the journal, analysts act. */
export function responseRoutes(app: ZodApp, ctx: ServerContext, responder: LocalResponder): void {
  const viewer = guard(ctx.store, { users: 'viewer' });
  const analyst = guard(ctx.store, { users: 'analyst' });

  app.post(
    '/api/ui/incidents/:id/response',
    {
      preHandler: analyst,
      schema: {
        summary: 'Plan (apply=false) or apply the response to an incident on the host this server runs on',
        tags: ['response'],
        params: z.object({ id: Id }).strict(),
        body: RespondBody,
        response: { 200: Run, 404: ErrorBody, 409: ErrorBody, ...GUARDED },
      },
    },
    async (req, reply) => {
      const incident = (await ctx.store.fleet.listIncidents()).find((i) => i.id === req.params.id);
      if (!incident) return reply.code(404).send({ error: 'not_found', message: 'no such incident' });
      if (incident.host.id !== responder.hostId())
        return reply.code(409).send({
          error: 'not_local',
          message: `incident is on host ${incident.host.name}; this server responds only on its own host (use minewarden respond there)`,
        });
      const findings = await ctx.store.fleet.listFindings({ hostId: incident.host.id, limit: 5000 });
      const run = await responder.respond(
        incident,
        findings.map((s) => s.finding),
        req.body,
      );
      req.log.info({ incident: incident.id, runId: run.runId, apply: run.apply }, 'response run');
      return { ...run, entries: run.entries.map(entry) };
    },
  );

  app.get(
    '/api/ui/incidents/:id/actions',
    {
      preHandler: viewer,
      schema: {
        summary: 'The response journal of an incident',
        tags: ['response'],
        params: z.object({ id: Id }).strict(),
        response: { 200: z.object({ actions: z.array(Entry) }), ...GUARDED },
      },
    },
    async (req) => ({ actions: (await responder.list({ incidentId: req.params.id })).map(entry) }),
  );

  app.post(
    '/api/ui/response/runs/:runId/undo',
    {
      preHandler: analyst,
      schema: {
        summary: 'Undo every applied, reversible action of one response run (newest first)',
        tags: ['response'],
        params: z.object({ runId: z.string().regex(/^run-[0-9a-f]{1,32}$/) }).strict(),
        response: {
          200: z.object({
            outcomes: z.array(
              z.object({ id: z.string(), kind: z.string(), ok: z.boolean(), detail: z.string() }),
            ),
          }),
          404: ErrorBody,
          ...GUARDED,
        },
      },
    },
    async (req, reply) => {
      const entries = await responder.list({ runId: req.params.runId });
      if (entries.length === 0) return reply.code(404).send({ error: 'not_found', message: 'no such run' });
      const outcomes = await responder.undoRun(req.params.runId);
      req.log.info({ runId: req.params.runId, undone: outcomes.filter((o) => o.ok).length }, 'response undo');
      return {
        outcomes: outcomes.map((o) => ({
          id: o.entry.id,
          kind: o.entry.kind,
          ok: o.ok,
          reversible: o.entry.reversible,
          detail: o.detail,
        })),
      };
    },
  );
}
