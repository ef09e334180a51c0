import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Store } from '../../store/store.js';
import { type Role, roleAtLeast } from '../../store/types.js';
import { authenticate, type Principal } from './principal.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export type Audience = { users: Role } | { agents: true };

/**
 * One guard per route: who may call it. Unauthenticated -> 401 (reason logged, never sent);
 * authenticated but the wrong kind or too weak a role -> 403.
 */
export function guard(store: Store, audience: Audience): preHandlerAsyncHookHandler {
  return async function check(req: FastifyRequest, reply: FastifyReply) {
    const res = await authenticate(store, req, new Date());
    if (!res.ok) {
      req.log.info({ reason: res.reason }, 'authentication failed');
      return reply.code(401).send({ error: 'unauthenticated', message: 'a valid credential is required' });
    }
    const p = res.principal;
    const allowed =
      'agents' in audience ? p.kind === 'agent' : p.kind === 'user' && roleAtLeast(p.role, audience.users);
    if (!allowed) {
      req.log.info({ principal: p.kind, need: audience }, 'forbidden');
      return reply.code(403).send({ error: 'forbidden', message: 'this credential may not call this route' });
    }
    req.principal = p;
  };
}

export function userOf(req: FastifyRequest): Extract<Principal, { kind: 'user' }> {
  const p = req.principal;
  if (p?.kind !== 'user') throw new Error('route guarded for users reached without a user');
  return p;
}

export function agentOf(req: FastifyRequest): Extract<Principal, { kind: 'agent' }> {
  const p = req.principal;
  if (p?.kind !== 'agent') throw new Error('route guarded for agents reached without an agent');
  return p;
}
