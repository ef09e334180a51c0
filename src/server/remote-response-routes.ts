import { z } from 'zod';
import {
  AgentRequestListSchema,
  ReportSchema,
  RequestIdSchema,
  TakeAnswerSchema,
} from '../agent/remote-respond-wire.js';
import { agentOf, guard } from './auth/guard.js';
import { ErrorBody, GUARDED, type ServerContext, type ZodApp } from './context.js';
import type { RemoteResponses } from './remote-response.js';

/**
 * What agents call to carry out responses asked for their host: poll (ETag; 304 while nothing changed), take a
 * request (once), report its journal entries and outcome. An agent only ever sees and reports its own host's.
 */
export function remoteResponseAgentRoutes(app: ZodApp, ctx: ServerContext, remote: RemoteResponses): void {
  const agents = guard(ctx.store, { agents: true });
  const Params = z.object({ id: RequestIdSchema }).strict();

  app.get(
    '/api/agent/response-requests',
    {
      preHandler: agents,
      schema: {
        summary: 'Response requests (plan, apply, undo) waiting for this agent’s host',
        description:
          'Send the last ETag in If-None-Match: 304 while the set is unchanged. `status: taken` lists a request this host took but has not reported (a restarted agent).',
        tags: ['response'],
        headers: z.object({ 'if-none-match': z.string().max(200).optional() }).loose(),
        response: { 200: AgentRequestListSchema, 304: z.null(), ...GUARDED },
      },
    },
    async (req, reply) => {
      const { etag, requests } = await remote.forAgent(agentOf(req).hostId);
      void reply.header('etag', etag).header('cache-control', 'no-cache');
      if (req.headers['if-none-match'] === etag) return reply.code(304).send(null);
      return { requests };
    },
  );

  app.post(
    '/api/agent/response-requests/:id/take',
    {
      preHandler: agents,
      schema: {
        summary: 'Take a pending response request for this host (once)',
        tags: ['response'],
        params: Params,
        response: { 200: TakeAnswerSchema, 409: ErrorBody, ...GUARDED },
      },
    },
    async (req, reply) => {
      const a = agentOf(req);
      const r = await remote.take(req.params.id, a.hostId, a.agentId);
      if (!r.ok) return reply.code(409).send({ error: 'not_pending', message: r.message });
      req.log.info({ request: req.params.id, again: r.again }, 'response request taken');
      return { again: r.again };
    },
  );

  app.post(
    '/api/agent/response-requests/:id/report',
    {
      preHandler: agents,
      // Journal entries carry their params and undo data; a large incident's run is well under this.
      bodyLimit: 8 * 1024 * 1024,
      schema: {
        summary: 'Report what a response request did on this host: journal entries and outcome',
        tags: ['response'],
        params: Params,
        body: ReportSchema,
        response: {
          200: z.object({ stored: z.boolean() }),
          404: ErrorBody,
          409: ErrorBody,
          ...GUARDED,
        },
      },
    },
    async (req, reply) => {
      const a = agentOf(req);
      const r = await remote.report(req.params.id, a.hostId, req.body);
      if (!r.ok)
        return reply
          .code(r.status)
          .send({ error: r.status === 404 ? 'not_found' : 'not_taken', message: r.message });
      req.log.info(
        { request: req.params.id, status: req.body.status, entries: req.body.entries.length },
        'response request reported',
      );
      return { stored: r.stored };
    },
  );
}
