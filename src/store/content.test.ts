import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dropSchema, PG_URL, serviceUp, uniqueSchema } from '../../test/fleet/services.js';
import type { ContentRecord } from './content.js';
import { openStore } from './open.js';

const pgUp = await serviceUp('postgres');

const rec = (version: string, body: string): ContentRecord => ({
  kind: 'rules',
  version,
  etag: `"${version}"`,
  body,
  meta: { rules: 1 },
  updatedAt: '2026-11-26T08:00:00.000Z',
  updatedBy: 'admin',
});

describe.each([
  { name: 'sqlite', skip: false },
  { name: 'postgres', skip: !pgUp },
])('content on $name', ({ name, skip }) => {
  (skip ? it.skip : it)('stores one document per kind, replaces it, and removes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-content-'));
    const schema = uniqueSchema();
    const store =
      name === 'sqlite'
        ? await openStore(`sqlite:${join(dir, 'db.sqlite')}`)
        : await openStore(PG_URL, { schema });
    try {
      expect(await store.content.get('rules')).toBeNull();
      await store.content.put(rec('v1', 'title: a'));
      await store.content.put(rec('v2', 'title: b'));
      expect(await store.content.get('rules')).toEqual(rec('v2', 'title: b'));
      expect(await store.content.get('policy')).toBeNull();
      expect(await store.content.remove('rules')).toBe(true);
      expect(await store.content.remove('rules')).toBe(false);
      expect(await store.content.get('rules')).toBeNull();
    } finally {
      await store.close();
      if (name === 'postgres') await dropSchema(schema);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
