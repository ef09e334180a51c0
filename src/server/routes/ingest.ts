import { z } from 'zod';
import { IngestBatchSchema } from '../../store/types.js';
import { agentOf, guard } from '../auth/guard.js';
import { ErrorBody, GUARDED, type ServerContext, type ZodApp } from '../context.js';
import { IngestRejected } from '../ingest.js';

export const INGEST_BODY_LIMIT = 16 * 1024 * 1024;

const IngestResponse = z.object({
  batchId: z.string(),
  findings: z.number(),
  incidents: z.number(),
  heartbeats: z.number(),
  inventory: z.number(),
});

export function ingestRoutes(app: ZodApp, ctx: ServerContext): void {
  app.post(
    '/api/ingest',
    {
      preHandler: guard(ctx.store, { agents: true }),
      bodyLimit: INGEST_BODY_LIMIT,
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
