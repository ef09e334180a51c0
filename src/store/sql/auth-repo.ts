import type { AuthRepo, NewAgent, NewApiToken, NewEnrollmentToken, NewUser } from '../store.js';
import type {
  AgentRecord,
  ApiTokenRecord,
  EnrollmentTokenRecord,
  Role,
  SessionRecord,
  UserRecord,
} from '../types.js';
import { iso, isoOrNull, num, type Row, type SqlDriver, str } from './driver.js';

function enrollmentFromRow(r: Row): EnrollmentTokenRecord {
  return {
    id: str(r.id),
    createdBy: str(r.created_by),
    createdAt: iso(r.created_ms),
    expiresAt: iso(r.expires_ms),
    maxUses: num(r.max_uses),
    uses: num(r.uses),
    revokedAt: isoOrNull(r.revoked_ms),
  };
}

function agentFromRow(r: Row): AgentRecord {
  return {
    id: str(r.id),
    hostId: str(r.host_id),
    name: str(r.name),
    createdAt: iso(r.created_ms),
    revokedAt: isoOrNull(r.revoked_ms),
    lastSeen: isoOrNull(r.last_seen_ms),
  };
}

function userFromRow(r: Row): UserRecord {
  return {
    id: str(r.id),
    name: str(r.name),
    role: str(r.role) as Role,
    passwordHash: str(r.password_hash),
    createdAt: iso(r.created_ms),
    disabledAt: isoOrNull(r.disabled_ms),
  };
}

function tokenFromRow(r: Row): ApiTokenRecord {
  return {
    id: str(r.id),
    userId: str(r.user_id),
    name: str(r.name),
    role: str(r.role) as Role,
    createdAt: iso(r.created_ms),
    expiresAt: isoOrNull(r.expires_ms),
    revokedAt: isoOrNull(r.revoked_ms),
  };
}

/**
 * Every agent request authenticates by credential hash, so a live agent's record is kept briefly instead of read per
 * request. A revocation through this store drops it at once; one made by another server replica sharing the
 * database takes effect here within the TTL.
 */
const AGENT_CACHE_TTL_MS = 2000;
const AGENT_CACHE_MAX = 100_000;

export class SqlAuthRepo implements AuthRepo {
  private readonly agentCache = new Map<string, { agent: AgentRecord; until: number }>();
  /** Bumped by each revocation, so a lookup that read the row before it never caches what it read. */
  private revocations = 0;

  constructor(private readonly db: SqlDriver) {}

  async createEnrollmentToken(t: NewEnrollmentToken): Promise<void> {
    await this.db.run(
      `INSERT INTO enrollment_tokens (id, token_hash, created_by, created_ms, expires_ms, max_uses, uses)
       VALUES (?, ?, ?, ?, ?, ?, 0)`,
      [t.id, t.tokenHash, t.createdBy, t.createdAt.getTime(), t.expiresAt.getTime(), t.maxUses],
    );
  }

  async useEnrollmentToken(tokenHash: string, now: Date): Promise<EnrollmentTokenRecord | null> {
    const ms = now.getTime();
    // One conditional UPDATE is the atomic check-and-count: two agents racing for the last use cannot both win.
    return this.db.transaction(async (tx) => {
      const changed = await tx.run(
        `UPDATE enrollment_tokens SET uses = uses + 1
         WHERE token_hash = ? AND revoked_ms IS NULL AND expires_ms > ? AND uses < max_uses`,
        [tokenHash, ms],
      );
      if (changed === 0) return null;
      const rows = await tx.query('SELECT * FROM enrollment_tokens WHERE token_hash = ?', [tokenHash]);
      return rows[0] ? enrollmentFromRow(rows[0]) : null;
    });
  }

  async listEnrollmentTokens(): Promise<EnrollmentTokenRecord[]> {
    return (await this.db.query('SELECT * FROM enrollment_tokens ORDER BY created_ms')).map(
      enrollmentFromRow,
    );
  }

  async revokeEnrollmentToken(id: string, now: Date): Promise<boolean> {
    const n = await this.db.run(
      'UPDATE enrollment_tokens SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL',
      [now.getTime(), id],
    );
    return n > 0;
  }

  async createAgent(a: NewAgent): Promise<void> {
    await this.db.run(
      'INSERT INTO agents (id, host_id, name, credential_hash, created_ms) VALUES (?, ?, ?, ?, ?)',
      [a.id, a.hostId, a.name, a.credentialHash, a.createdAt.getTime()],
    );
  }

  async findAgentByCredential(credentialHash: string): Promise<AgentRecord | null> {
    const now = Date.now();
    const hit = this.agentCache.get(credentialHash);
    if (hit && hit.until > now) return hit.agent;
    const generation = this.revocations;
    const rows = await this.db.query('SELECT * FROM agents WHERE credential_hash = ?', [credentialHash]);
    const agent = rows[0] ? agentFromRow(rows[0]) : null;
    // Only live agents are kept: unknown and revoked credentials are rare and always read afresh.
    if (agent && agent.revokedAt === null && generation === this.revocations) {
      if (this.agentCache.size >= AGENT_CACHE_MAX) this.agentCache.clear();
      this.agentCache.set(credentialHash, { agent, until: now + AGENT_CACHE_TTL_MS });
    } else this.agentCache.delete(credentialHash);
    return agent;
  }

  async getAgent(id: string): Promise<AgentRecord | null> {
    const rows = await this.db.query('SELECT * FROM agents WHERE id = ?', [id]);
    return rows[0] ? agentFromRow(rows[0]) : null;
  }

  async listAgents(): Promise<AgentRecord[]> {
    return (await this.db.query('SELECT * FROM agents ORDER BY created_ms, id')).map(agentFromRow);
  }

  async revokeAgent(id: string, now: Date): Promise<boolean> {
    // Bumped before and after: any lookup overlapping the UPDATE, whichever side of the commit it read, is not kept.
    this.revocations++;
    const n = await this.db.run('UPDATE agents SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL', [
      now.getTime(),
      id,
    ]);
    this.revocations++;
    for (const [hash, e] of this.agentCache) if (e.agent.id === id) this.agentCache.delete(hash);
    return n > 0;
  }

  async createUser(u: NewUser): Promise<void> {
    await this.db.run(
      'INSERT INTO users (id, name, role, password_hash, created_ms) VALUES (?, ?, ?, ?, ?)',
      [u.id, u.name, u.role, u.passwordHash, u.createdAt.getTime()],
    );
  }

  async findUserByName(name: string): Promise<UserRecord | null> {
    const rows = await this.db.query('SELECT * FROM users WHERE name = ?', [name]);
    return rows[0] ? userFromRow(rows[0]) : null;
  }

  async getUser(id: string): Promise<UserRecord | null> {
    const rows = await this.db.query('SELECT * FROM users WHERE id = ?', [id]);
    return rows[0] ? userFromRow(rows[0]) : null;
  }

  async listUsers(): Promise<UserRecord[]> {
    return (await this.db.query('SELECT * FROM users ORDER BY name')).map(userFromRow);
  }

  async countUsers(): Promise<number> {
    const rows = await this.db.query('SELECT COUNT(*) AS n FROM users');
    return num(rows[0]?.n ?? 0);
  }

  async createApiToken(t: NewApiToken): Promise<void> {
    await this.db.run(
      `INSERT INTO api_tokens (id, user_id, name, role, token_hash, created_ms, expires_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [t.id, t.userId, t.name, t.role, t.tokenHash, t.createdAt.getTime(), t.expiresAt?.getTime() ?? null],
    );
  }

  async findApiToken(tokenHash: string): Promise<ApiTokenRecord | null> {
    const rows = await this.db.query('SELECT * FROM api_tokens WHERE token_hash = ?', [tokenHash]);
    return rows[0] ? tokenFromRow(rows[0]) : null;
  }

  async listApiTokens(userId?: string): Promise<ApiTokenRecord[]> {
    const rows =
      userId === undefined
        ? await this.db.query('SELECT * FROM api_tokens ORDER BY created_ms')
        : await this.db.query('SELECT * FROM api_tokens WHERE user_id = ? ORDER BY created_ms', [userId]);
    return rows.map(tokenFromRow);
  }

  async revokeApiToken(id: string, now: Date): Promise<boolean> {
    const n = await this.db.run('UPDATE api_tokens SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL', [
      now.getTime(),
      id,
    ]);
    return n > 0;
  }

  async createSession(idHash: string, userId: string, createdAt: Date, expiresAt: Date): Promise<void> {
    await this.db.run('INSERT INTO sessions (id_hash, user_id, created_ms, expires_ms) VALUES (?, ?, ?, ?)', [
      idHash,
      userId,
      createdAt.getTime(),
      expiresAt.getTime(),
    ]);
  }

  async findSession(idHash: string, now: Date): Promise<SessionRecord | null> {
    const rows = await this.db.query('SELECT * FROM sessions WHERE id_hash = ? AND expires_ms > ?', [
      idHash,
      now.getTime(),
    ]);
    const r = rows[0];
    return r ? { userId: str(r.user_id), createdAt: iso(r.created_ms), expiresAt: iso(r.expires_ms) } : null;
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.run('DELETE FROM sessions WHERE id_hash = ?', [idHash]);
  }
}
