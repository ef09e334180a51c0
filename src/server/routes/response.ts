import { z } from 'zod';
import { RequestIdSchema } from '../../agent/remote-respond-wire.js';
import { Journal } from '../../respond/journal/journal.js';
import { guard, userOf } from '../auth/guard.js';
import { ErrorBody, GUARDED, type ServerContext, type ZodApp } from '../context.js';
import type { LocalResponder } from '../local-response.js';
import { RemoteResponses } from '../remote-response.js';
import { remoteResponseAgentRoutes } from '../remote-response-routes.js';
import { Entry, entry, RequestView, requestView } from '../remote-response-view.js';

const Run = z.object({
  runId: z.string(),
  apply: z.boolean(),
  entries: z.array(Entry),
  notes: z.array(z.string()),
});
const RespondBody = z
  .object({
    apply: z.boolean(),
    confirm: z.boolean().default(false),
    /** Remote hosts: how long the request waits for the host's agent before it fails (default 300). */
    expiresInSec: z.number().int().min(1).max(86_400).optional(),
  })
  .strict();
const Id = z.string().min(1).max(200);
const RunIdParam = z.object({ runId: z.string().regex(/^run-[0-9a-f]{1,32}$/) }).strict();
const Outcomes = z.object({
  outcomes: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      ok: z.boolean(),
      reversible: z.boolean(),
      detail: z.string(),
    }),
  ),
});
const Mode = z.enum(['local', 'remote', 'none']);

/**
 * Plan, apply and undo a response to an incident from the browser; viewers read the journal, analysts act. On the
 * server's own host the server acts itself; on a host with an enrolled agent it stores a request that the agent
 * carries out (202 with the request; poll it); elsewhere 409.
 */
export function responseRoutes(app: ZodApp, ctx: ServerContext, responder: LocalResponder): void {
  const viewer = guard(ctx.store, { users: 'viewer' });
  const analyst = guard(ctx.store, { users: 'analyst' });
  const remote = new RemoteResponses(ctx.store);
  remoteResponseAgentRoutes(app, ctx, remote);

  async function modeOf(hostId: string): Promise<z.infer<typeof Mode>> {
    if (hostId === responder.hostId()) return 'local';
    return (await remote.agentFor(hostId)) ? 'remote' : 'none';
  }
  const noAgent = (hostName: string) =>
    `host ${hostName} has no enrolled agent, and this server responds only on its own host: run minewarden respond there`;

  app.post(
    '/api/ui/incidents/:id/response',
    {
      preHandler: analyst,
      schema: {
        summary: 'Plan (apply=false) or apply the response to an incident',
        description:
          'On the server’s own host: runs at once (200). On a host with an enrolled agent: stores a request the agent carries out (202; follow it at /api/ui/response/requests/{id}).',
        tags: ['response'],
        params: z.object({ id: Id }).strict(),
        body: RespondBody,
        response: {
          200: Run,
          202: z.object({ request: RequestView }),
          404: ErrorBody,
          409: ErrorBody,
          ...GUARDED,
        },
      },
    },
    async (req, reply) => {
      const incident = (await ctx.store.fleet.listIncidents()).find((i) => i.id === req.params.id);
      if (!incident) return reply.code(404).send({ error: 'not_found', message: 'no such incident' });
      const mode = await modeOf(incident.host.id);
      if (mode === 'none')
        return reply.code(409).send({ error: 'no_agent', message: noAgent(incident.host.name) });
      const findings = (await ctx.store.fleet.listFindings({ hostId: incident.host.id, limit: 5000 })).map(
        (s) => s.finding,
      );
      if (mode === 'remote') {
        const ids = new Set(incident.findings);
        const rec = await remote.ask({
          op: req.body.apply ? 'apply' : 'plan',
          hostId: incident.host.id,
          incidentId: incident.id,
          incident,
          // The snapshot the plan is built from: the incident's findings as stored now.
          findings: findings.filter((f) => f.incidentId === incident.id || ids.has(f.id)),
          confirm: req.body.confirm,
          runId: null,
          requestedBy: userOf(req).name,
          ...(req.body.expiresInSec ? { ttlMs: req.body.expiresInSec * 1000 } : {}),
        });
        req.log.info(
          { incident: incident.id, request: rec.id, op: rec.op, host: rec.hostId },
          'remote response requested',
        );
        return reply.code(202).send({ request: await requestView(ctx.store, rec) });
      }
      const { expiresInSec: _e, ...run0 } = req.body;
      const run = await responder.respond(incident, findings, run0);
      req.log.info({ incident: incident.id, runId: run.runId, apply: run.apply }, 'response run');
      return { ...run, entries: run.entries.map(entry) };
    },
  );

  app.get(
    '/api/ui/incidents/:id/response',
    {
      preHandler: viewer,
      schema: {
        summary:
          'Where a response to this incident runs (this server, the host agent, nowhere) and its requests',
        tags: ['response'],
        params: z.object({ id: Id }).strict(),
        response: {
          200: z.object({
            mode: Mode,
            host: z.object({ id: z.string(), name: z.string() }),
            requests: z.array(RequestView),
          }),
          404: ErrorBody,
          ...GUARDED,
        },
      },
    },
    async (req, reply) => {
      const incident = (await ctx.store.fleet.listIncidents()).find((i) => i.id === req.params.id);
      if (!incident) return reply.code(404).send({ error: 'not_found', message: 'no such incident' });
      const recs = await remote.forIncident(incident.id);
      return {
        mode: await modeOf(incident.host.id),
        host: { id: incident.host.id, name: incident.host.name },
        requests: await Promise.all(recs.map((r) => requestView(ctx.store, r))),
      };
    },
  );

  app.get(
    '/api/ui/response/requests/:id',
    {
      preHandler: viewer,
      schema: {
        summary:
          'One response request for a remote host: pending, taken, done or failed, with the reported journal',
        tags: ['response'],
        params: z.object({ id: RequestIdSchema }).strict(),
        response: { 200: RequestView, 404: ErrorBody, ...GUARDED },
      },
    },
    async (req, reply) => {
      const rec = await remote.get(req.params.id);
      if (!rec) return reply.code(404).send({ error: 'not_found', message: 'no such request' });
      return requestView(ctx.store, rec);
    },
  );

  app.get(
    '/api/ui/incidents/:id/actions',
    {
      preHandler: viewer,
      schema: {
        summary: 'The response journal of an incident (on its host, whoever acted there)',
        tags: ['response'],
        params: z.object({ id: Id }).strict(),
        response: { 200: z.object({ actions: z.array(Entry) }), ...GUARDED },
      },
    },
    async (req) => {
      const incident = (await ctx.store.fleet.listIncidents()).find((i) => i.id === req.params.id);
      const hostId = incident?.host.id ?? responder.hostId();
      const journal = new Journal(ctx.store.actions, hostId);
      return { actions: (await journal.list({ incidentId: req.params.id })).map(entry) };
    },
  );

  app.post(
    '/api/ui/response/runs/:runId/undo',
    {
      preHandler: analyst,
      schema: {
        summary: 'Undo every applied, reversible action of one response run (newest first)',
        description:
          'A run on the server’s own host is undone at once (200); a run on a host with an enrolled agent becomes an undo request for that agent (202).',
        tags: ['response'],
        params: RunIdParam,
        response: {
          200: Outcomes,
          202: z.object({ request: RequestView }),
          404: ErrorBody,
          409: ErrorBody,
          ...GUARDED,
        },
      },
    },
    async (req, reply) => {
      const entries = await new Journal(ctx.store.actions, null).list({ runId: req.params.runId });
      const hostId = entries[0]?.hostId ?? null;
      if (entries.length === 0 || hostId === null)
        return reply.code(404).send({ error: 'not_found', message: 'no such run' });
      const mode = await modeOf(hostId);
      if (mode === 'none') {
        const host = await ctx.store.fleet.getHost(hostId);
        return reply.code(409).send({ error: 'no_agent', message: noAgent(host?.name ?? hostId) });
      }
      if (mode === 'remote') {
        const rec = await remote.ask({
          op: 'undo',
          hostId,
          incidentId: entries.find((e) => e.incidentId)?.incidentId ?? req.params.runId,
          incident: null,
          findings: [],
          confirm: false,
          runId: req.params.runId,
          requestedBy: userOf(req).name,
        });
        req.log.info({ runId: req.params.runId, request: rec.id, host: hostId }, 'remote undo requested');
        return reply.code(202).send({ request: await requestView(ctx.store, rec) });
      }
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
