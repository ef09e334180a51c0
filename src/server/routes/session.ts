import { z } from 'zod';
import { RoleSchema } from '../../store/types.js';
import { guard, userOf } from '../auth/guard.js';
import { SESSION_COOKIE, sessionCookie } from '../auth/principal.js';
import { hashSecret, newSecret, verifyPassword } from '../auth/secrets.js';
import { ErrorBody, GUARDED, type ServerContext, type ZodApp } from '../context.js';

const LoginBody = z
  .object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) })
  .strict();
const Me = z.object({ kind: z.literal('user'), id: z.string(), name: z.string(), role: RoleSchema });

// Scrypt of a fixed string, so a login for an unknown user costs as much as one for a known user.
const DUMMY_HASH = 'scrypt$16384$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export function sessionRoutes(app: ZodApp, ctx: ServerContext): void {
  app.post(
    '/api/login',
    {
      schema: {
        summary: 'Log in with a password; sets the session cookie',
        tags: ['session'],
        body: LoginBody,
        response: { 200: Me, 401: ErrorBody },
      },
    },
    async (req, reply) => {
      const user = await ctx.store.auth.findUserByName(req.body.username);
      const ok = await verifyPassword(req.body.password, user?.passwordHash ?? DUMMY_HASH);
      if (!user || !ok || user.disabledAt !== null)
        return reply.code(401).send({ error: 'unauthenticated', message: 'wrong user name or password' });
      const sid = newSecret('mws');
      const now = new Date();
      await ctx.store.auth.createSession(
        hashSecret(sid),
        user.id,
        now,
        new Date(now.getTime() + ctx.sessionTtlMs),
      );
      reply.setCookie(SESSION_COOKIE, sid, {
        httpOnly: true,
        sameSite: 'strict',
        secure: ctx.secureCookies,
        path: '/',
        maxAge: Math.floor(ctx.sessionTtlMs / 1000),
      });
      return { kind: 'user' as const, id: user.id, name: user.name, role: user.role };
    },
  );

  app.post(
    '/api/logout',
    {
      preHandler: guard(ctx.store, { users: 'viewer' }),
      schema: {
        summary: 'End the current session',
        tags: ['session'],
        response: { 204: z.null(), ...GUARDED },
      },
    },
    async (req, reply) => {
      const sid = sessionCookie(req);
      if (sid) await ctx.store.auth.deleteSession(hashSecret(sid));
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/me',
    {
      preHandler: guard(ctx.store, { users: 'viewer' }),
      schema: { summary: 'Who the caller is', tags: ['session'], response: { 200: Me, ...GUARDED } },
    },
    async (req) => {
      const u = userOf(req);
      return { kind: 'user' as const, id: u.userId, name: u.name, role: u.role };
    },
  );
}
