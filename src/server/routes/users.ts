import { z } from 'zod';
import { type Role, RoleSchema, roleAtLeast } from '../../store/types.js';
import { guard, userOf } from '../auth/guard.js';
import { hashPassword, hashSecret, newId, newSecret } from '../auth/secrets.js';
import { ErrorBody, GUARDED, type ServerContext, type ZodApp } from '../context.js';

const User = z.object({ id: z.string(), name: z.string(), role: RoleSchema, createdAt: z.string() });
const NewUserBody = z
  .object({
    name: z.string().regex(/^[a-zA-Z0-9_.@-]{1,64}$/, 'letters, digits and _ . @ - (at most 64)'),
    role: RoleSchema,
    password: z.string().min(12).max(256),
  })
  .strict();
const Token = z.object({
  id: z.string(),
  name: z.string(),
  role: RoleSchema,
  userId: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
const NewTokenBody = z
  .object({
    name: z.string().min(1).max(64),
    role: RoleSchema.optional(),
    ttlDays: z.number().int().positive().max(3650).optional(),
  })
  .strict();
const IdParams = z.object({ id: z.string().min(1).max(100) });

export function userRoutes(app: ZodApp, ctx: ServerContext): void {
  const admin = guard(ctx.store, { users: 'admin' });
  const anyUser = guard(ctx.store, { users: 'viewer' });

  app.get(
    '/api/users',
    {
      preHandler: admin,
      schema: {
        summary: 'List users',
        tags: ['users'],
        response: { 200: z.object({ users: z.array(User) }), ...GUARDED },
      },
    },
    async () => ({
      users: (await ctx.store.auth.listUsers()).map(({ id, name, role, createdAt }) => ({
        id,
        name,
        role,
        createdAt,
      })),
    }),
  );

  app.post(
    '/api/users',
    {
      preHandler: admin,
      schema: {
        summary: 'Create a user',
        tags: ['users'],
        body: NewUserBody,
        response: { 201: User, 409: ErrorBody, ...GUARDED },
      },
    },
    async (req, reply) => {
      if (await ctx.store.auth.findUserByName(req.body.name))
        return reply.code(409).send({ error: 'conflict', message: `user ${req.body.name} exists` });
      const u = { id: newId('u'), name: req.body.name, role: req.body.role, createdAt: new Date() };
      await ctx.store.auth.createUser({ ...u, passwordHash: await hashPassword(req.body.password) });
      return reply.code(201).send({ ...u, createdAt: u.createdAt.toISOString() });
    },
  );

  app.get(
    '/api/tokens',
    {
      preHandler: anyUser,
      schema: {
        summary: 'List API tokens (admins see all, others their own)',
        tags: ['tokens'],
        response: { 200: z.object({ tokens: z.array(Token) }), ...GUARDED },
      },
    },
    async (req) => {
      const u = userOf(req);
      const tokens = await ctx.store.auth.listApiTokens(u.role === 'admin' ? undefined : u.userId);
      return { tokens };
    },
  );

  app.post(
    '/api/tokens',
    {
      preHandler: anyUser,
      schema: {
        summary: 'Create an API token for yourself; its role cannot exceed yours. The secret is shown once.',
        tags: ['tokens'],
        body: NewTokenBody,
        response: { 201: Token.extend({ token: z.string() }), ...GUARDED },
      },
    },
    async (req, reply) => {
      const u = userOf(req);
      const role: Role = req.body.role ?? u.role;
      if (!roleAtLeast(u.role, role))
        return reply
          .code(403)
          .send({ error: 'forbidden', message: `a ${u.role} cannot create a ${role} token` });
      const secret = newSecret('mwt');
      const now = new Date();
      const expiresAt = req.body.ttlDays ? new Date(now.getTime() + req.body.ttlDays * 86_400_000) : null;
      const id = newId('t');
      await ctx.store.auth.createApiToken({
        id,
        userId: u.userId,
        name: req.body.name,
        role,
        tokenHash: hashSecret(secret),
        createdAt: now,
        expiresAt,
      });
      return reply.code(201).send({
        id,
        name: req.body.name,
        role,
        userId: u.userId,
        createdAt: now.toISOString(),
        expiresAt: expiresAt?.toISOString() ?? null,
        revokedAt: null,
        token: secret,
      });
    },
  );

  app.delete(
    '/api/tokens/:id',
    {
      preHandler: anyUser,
      schema: {
        summary: 'Revoke an API token (yours, or any as admin)',
        tags: ['tokens'],
        params: IdParams,
        response: { 204: z.null(), 404: ErrorBody, ...GUARDED },
      },
    },
    async (req, reply) => {
      const u = userOf(req);
      const mine = await ctx.store.auth.listApiTokens(u.role === 'admin' ? undefined : u.userId);
      if (!mine.some((t) => t.id === req.params.id))
        return reply.code(404).send({ error: 'not_found', message: 'no such token' });
      await ctx.store.auth.revokeApiToken(req.params.id, new Date());
      return reply.code(204).send(null);
    },
  );
}
