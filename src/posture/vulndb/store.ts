import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { MinewardenError } from '../../model/errors.js';
import type { Advisory } from './osv.js';

/** The imported advisory database: one JSON file, replaced atomically on import. */
export interface VulnDbFile {
  version: 1;
  importedAt: string;
  sources: string[];
  advisories: Advisory[];
  kev: Record<string, { dateAdded: string; ransomware: boolean }>;
}

const FileSchema = z.object({
  version: z.literal(1),
  importedAt: z.string(),
  sources: z.array(z.string()),
  advisories: z.array(
    z
      .object({
        id: z.string(),
        affected: z.array(z.object({ ecosystem: z.string(), name: z.string() }).passthrough()),
      })
      .passthrough(),
  ),
  kev: z.record(z.string(), z.object({ dateAdded: z.string(), ransomware: z.boolean() })),
});

export const DB_FILE = 'osv-db.json';

export function defaultDbDir(): string {
  const base = process.env.XDG_DATA_HOME ?? path.join(process.env.HOME ?? '/var/lib', '.local/share');
  return path.join(base, 'minewarden', 'vulndb');
}

export function saveVulnDb(dir: string, db: VulnDbFile): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, DB_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(db));
  renameSync(tmp, file);
  return file;
}

export function loadVulnDb(dir: string): VulnDbFile | undefined {
  const file = path.join(dir, DB_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MinewardenError(
      'MW_INPUT_UNREADABLE',
      'cannot read the vulnerability database',
      { file },
      { cause: err },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new MinewardenError(
      'MW_INPUT_PARSE',
      'vulnerability database is not valid JSON; run vulndb import again',
      { file },
    );
  }
  const r = FileSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new MinewardenError('MW_INPUT_SCHEMA', issue.message, { file, field: issue.path.join('.') });
  }
  return raw as VulnDbFile;
}
