import { timingSafeEqual } from 'node:crypto';
import type { ServerContext, ZodApp } from '../context.js';

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Prometheus text exposition; counts only, but a scrape token can be required (`metrics.token`). */
export function metricsRoutes(app: ZodApp, ctx: ServerContext, token: string | undefined): void {
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    if (token !== undefined) {
      const got = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if (!sameSecret(got, token))
        return reply
          .code(401)
          .send({ error: 'unauthenticated', message: 'a valid scrape token is required' });
    }
    const body = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(body);
  });
}
