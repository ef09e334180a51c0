import type { FastifyRouteSchemaDef } from 'fastify/types/schema.js';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IngestBatchSchema } from '../../store/types.js';
import { agentOf, guard } from '../auth/guard.js';
import { ErrorBody, GUARDED, type ServerContext, type ZodApp } from '../context.js';
import { IngestRejected } from '../ingest.js';
import { quickCheckBatch } from '../ingest-check.js';

export const INGEST_BODY_LIMIT = 16 * 1024 * 1024;

const IngestResponse = z.object({
  batchId: z.string(),
  findings: z.number(),
  incidents: z.number(),
  heartbeats: z.number(),
  inventory: z.number(),
});

type IngestAnswer = z.infer<typeof IngestResponse>;

/**
 * The 200 answer is the server's own five fields: written from a fixed template rather than checked against its zod
 * schema and stringified per request (agents post thousands of times per second). Other answers go the usual way.
 */
function ingestSerializer<S>(route: FastifyRouteSchemaDef<S>): (data: unknown) => string {
  // Fastify hands the compiler each status's own response schema, which is what the zod compiler expects.
  if (String(route.httpStatus) !== '200')
    return serializerCompiler(route as unknown as Parameters<typeof serializerCompiler>[0]);
  return (data) => {
    const r = data as IngestAnswer;
    return `{"batchId":${JSON.stringify(String(r.batchId))},"findings":${Number(r.findings)},"incidents":${Number(r.incidents)},"heartbeats":${Number(r.heartbeats)},"inventory":${Number(r.inventory)}}`;
  };
}

/** The body is tried with the quick check first; zod parses what it does not pass, and words every 400. */
function ingestValidator<S>(route: FastifyRouteSchemaDef<S>): ReturnType<typeof validatorCompiler> {
  const zod = validatorCompiler(route as unknown as Parameters<typeof validatorCompiler>[0]);
  if (route.httpPart !== 'body') return zod;
  return (data) => {
    const batch = quickCheckBatch(data);
    return batch === undefined ? zod(data) : { value: batch };
  };
}

export function ingestRoutes(app: ZodApp, ctx: ServerContext): void {
  app.post(
    '/api/ingest',
    {
      preHandler: guard(ctx.store, { agents: true }),
      bodyLimit: INGEST_BODY_LIMIT,
      serializerCompiler: ingestSerializer,
      validatorCompiler: ingestValidator,
      schema: {
        summary: 'Ship a batch of findings, incidents, heartbeats and inventory (idempotent by record id)',
        description:
          'A 200 means the whole batch is committed; an agent may resend a batch it got no answer for.',
        tags: ['ingest'],
        body: IngestBatchSchema,
        response: { 200: IngestResponse, 400: ErrorBody, 413: ErrorBody, ...GUARDED },
      },
    },
    async (req, reply) => {
      const agent = agentOf(req);
      try {
        const r = await ctx.ingest.accept(req.body, agent);
        return { batchId: req.body.batchId, ...r };
      } catch (err) {
        if (err instanceof IngestRejected)
          return reply.code(err.status).send({ error: 'rejected', message: err.message });
        throw err;
      }
    },
  );
}
