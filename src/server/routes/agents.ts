import { z } from 'zod';
import { HostSchema } from '../../model/schemas.js';
import { guard, userOf } from '../auth/guard.js';
import { hashSecret, newId, newSecret, secretKind } from '../auth/secrets.js';
import { ErrorBody, GUARDED, type ServerContext, type ZodApp } from '../context.js';

const Agent = z.object({
  id: z.string(),
  hostId: z.string(),
  name: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  lastSeen: z.string().nullable(),
});
const EnrollmentToken = z.object({
  id: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  maxUses: z.number(),
  uses: z.number(),
  revokedAt: z.string().nullable(),
});
const NewEnrollmentBody = z
  .object({
    maxUses: z.number().int().positive().max(100_000).default(1),
    ttlHours: z
      .number()
      .positive()
      .max(24 * 365)
      .default(24),
  })
  .strict();
const EnrollBody = z.object({ token: z.string().min(1).max(200), host: HostSchema }).strict();
const IdParams = z.object({ id: z.string().min(1).max(100) });

export function agentRoutes(app: ZodApp, ctx: ServerContext): void {
  const admin = guard(ctx.store, { users: 'admin' });

  app.post(
    '/api/enrollment-tokens',
    {
      preHandler: admin,
      schema: {
        summary: 'Create an enrollment token for agents; the secret is shown once',
        tags: ['agents'],
        body: NewEnrollmentBody,
        response: { 201: EnrollmentToken.extend({ token: z.string() }), ...GUARDED },
      },
    },
    async (req, reply) => {
      const secret = newSecret('mwe');
      const now = new Date();
      const rec = {
        id: newId('e'),
        createdBy: userOf(req).userId,
        createdAt: now,
        expiresAt: new Date(now.getTime() + req.body.ttlHours * 3_600_000),
        maxUses: req.body.maxUses,
      };
      await ctx.store.auth.createEnrollmentToken({ ...rec, tokenHash: hashSecret(secret) });
      return reply.code(201).send({
        ...rec,
        createdAt: rec.createdAt.toISOString(),
        expiresAt: rec.expiresAt.toISOString(),
        uses: 0,
        revokedAt: null,
        token: secret,
      });
    },
  );

  app.get(
    '/api/enrollment-tokens',
    {
      preHandler: admin,
      schema: {
        summary: 'List enrollment tokens',
        tags: ['agents'],
        response: { 200: z.object({ tokens: z.array(EnrollmentToken) }), ...GUARDED },
      },
    },
    async () => ({ tokens: await ctx.store.auth.listEnrollmentTokens() }),
  );

  app.delete(
    '/api/enrollment-tokens/:id',
    {
      preHandler: admin,
      schema: {
        summary: 'Revoke an enrollment token',
        tags: ['agents'],
        params: IdParams,
        response: { 204: z.null(), 404: ErrorBody, ...GUARDED },
      },
    },
    async (req, reply) => {
      if (!(await ctx.store.auth.revokeEnrollmentToken(req.params.id, new Date())))
        return reply.code(404).send({ error: 'not_found', message: 'no such active enrollment token' });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/agents/enroll',
    {
      schema: {
        summary: 'Exchange an enrollment token for an agent credential (stored hashed; shown once)',
        tags: ['agents'],
        body: EnrollBody,
        response: {
          201: z.object({ agentId: z.string(), hostId: z.string(), credential: z.string() }),
          401: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const refused = () =>
        reply.code(401).send({ error: 'enrollment_refused', message: 'the enrollment token is not valid' });
      if (secretKind(req.body.token) !== 'mwe') return refused();
      const tok = await ctx.store.auth.useEnrollmentToken(hashSecret(req.body.token), new Date());
      if (!tok) return refused();
      const credential = newSecret('mwa');
      const agentId = newId('a');
      await ctx.store.auth.createAgent({
        id: agentId,
        hostId: req.body.host.id,
        name: req.body.host.name,
        credentialHash: hashSecret(credential),
        createdAt: new Date(),
      });
      req.log.info({ agentId, hostId: req.body.host.id, enrollmentToken: tok.id }, 'agent enrolled');
      return reply.code(201).send({ agentId, hostId: req.body.host.id, credential });
    },
  );

  app.get(
    '/api/agents',
    {
      preHandler: guard(ctx.store, { users: 'analyst' }),
      schema: {
        summary: 'List agents',
        tags: ['agents'],
        response: { 200: z.object({ agents: z.array(Agent) }), ...GUARDED },
      },
    },
    async () => ({ agents: await ctx.store.auth.listAgents() }),
  );

  app.delete(
    '/api/agents/:id',
    {
      preHandler: admin,
      schema: {
        summary: 'Revoke an agent credential',
        tags: ['agents'],
        params: IdParams,
        response: { 204: z.null(), 404: ErrorBody, ...GUARDED },
      },
    },
    async (req, reply) => {
      if (!(await ctx.store.auth.revokeAgent(req.params.id, new Date())))
        return reply.code(404).send({ error: 'not_found', message: 'no such active agent' });
      return reply.code(204).send(null);
    },
  );
}
