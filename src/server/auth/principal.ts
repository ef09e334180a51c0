import type { FastifyRequest } from 'fastify';
import type { Store } from '../../store/store.js';
import type { Role } from '../../store/types.js';
import { credentialHash, rememberCredential } from './hash-memo.js';
import { hashSecret, secretKind } from './secrets.js';

export const SESSION_COOKIE = 'mw_session';

export type Principal =
  | { kind: 'user'; userId: string; name: string; role: Role; via: 'session' | 'token'; tokenId?: string }
  | { kind: 'agent'; agentId: string; hostId: string };

/** Why a request is not authenticated; the reason is logged, the client only ever sees 401. */
export type AuthFailure = 'missing' | 'malformed' | 'unknown' | 'revoked' | 'expired' | 'disabled';

export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: AuthFailure };

function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1] ?? '';
}

/**
 * The session cookie, parsed only when asked for: agents, which send a bearer credential thousands of times a
 * second, never pay for a cookie hook (the cookie plugin is registered without its per-request parsing).
 */
export function sessionCookie(req: FastifyRequest): string | undefined {
  const h = req.headers.cookie;
  return typeof h === 'string' && h.length > 0 ? req.server.parseCookie(h)[SESSION_COOKIE] : undefined;
}

/** Resolves the caller from an `Authorization: Bearer` credential or the session cookie. */
export async function authenticate(store: Store, req: FastifyRequest, now: Date): Promise<AuthResult> {
  const token = bearer(req);
  const secret = token ?? sessionCookie(req) ?? null;
  if (secret === null) return { ok: false, reason: 'missing' };
  const kind = secretKind(secret);
  if (kind === null) return { ok: false, reason: 'malformed' };
  // Agents call at a high rate with one long-lived credential; other secrets are hashed each time.
  const hash = kind === 'mwa' ? credentialHash(secret) : hashSecret(secret);
  if (kind === 'mwa' && token !== null) {
    const agent = await store.auth.findAgentByCredential(hash);
    if (!agent) return { ok: false, reason: 'unknown' };
    if (agent.revokedAt !== null) return { ok: false, reason: 'revoked' };
    rememberCredential(secret, hash);
    return { ok: true, principal: { kind: 'agent', agentId: agent.id, hostId: agent.hostId } };
  }
  if (kind === 'mwt' && token !== null) {
    const t = await store.auth.findApiToken(hash);
    if (!t) return { ok: false, reason: 'unknown' };
    if (t.revokedAt !== null) return { ok: false, reason: 'revoked' };
    if (t.expiresAt !== null && Date.parse(t.expiresAt) <= now.getTime())
      return { ok: false, reason: 'expired' };
    const user = await store.auth.getUser(t.userId);
    if (!user) return { ok: false, reason: 'unknown' };
    if (user.disabledAt !== null) return { ok: false, reason: 'disabled' };
    return {
      ok: true,
      principal: {
        kind: 'user',
        userId: user.id,
        name: user.name,
        role: t.role,
        via: 'token',
        tokenId: t.id,
      },
    };
  }
  if (kind === 'mws') {
    const s = await store.auth.findSession(hash, now);
    if (!s) return { ok: false, reason: 'expired' };
    const user = await store.auth.getUser(s.userId);
    if (!user) return { ok: false, reason: 'unknown' };
    if (user.disabledAt !== null) return { ok: false, reason: 'disabled' };
    return {
      ok: true,
      principal: { kind: 'user', userId: user.id, name: user.name, role: user.role, via: 'session' },
    };
  }
  // An enrollment token, or a credential sent the wrong way (agent credential in a cookie), is not a login.
  return { ok: false, reason: 'malformed' };
}
