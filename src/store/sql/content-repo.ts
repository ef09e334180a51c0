import type { ContentKind, ContentRecord, ContentRepo } from '../content.js';
import { iso, type SqlDriver, str } from './driver.js';

export class SqlContentRepo implements ContentRepo {
  constructor(private readonly db: SqlDriver) {}

  async get(kind: ContentKind): Promise<ContentRecord | null> {
    const [r] = await this.db.query('SELECT * FROM agent_content WHERE kind = ?', [kind]);
    if (!r) return null;
    return {
      kind,
      version: str(r.version),
      etag: str(r.etag),
      body: str(r.body),
      meta: JSON.parse(str(r.meta)) as Record<string, unknown>,
      updatedAt: iso(r.updated_ms),
      updatedBy: str(r.updated_by),
    };
  }

  async put(c: ContentRecord): Promise<void> {
    await this.db.insertMany(
      'agent_content',
      ['kind', 'version', 'etag', 'body', 'meta', 'updated_ms', 'updated_by'],
      [[c.kind, c.version, c.etag, c.body, JSON.stringify(c.meta), Date.parse(c.updatedAt), c.updatedBy]],
      `ON CONFLICT (kind) DO UPDATE SET version = excluded.version, etag = excluded.etag, body = excluded.body,
        meta = excluded.meta, updated_ms = excluded.updated_ms, updated_by = excluded.updated_by`,
    );
  }

  async remove(kind: ContentKind): Promise<boolean> {
    return (await this.db.run('DELETE FROM agent_content WHERE kind = ?', [kind])) > 0;
  }
}
