import type { WarningSink } from '../../model/errors.js';
import { importOsv } from './import.js';
import type { Advisory } from './osv.js';
import { loadVulnDb, saveVulnDb, type VulnDbFile } from './store.js';

// Apart from db.ts so that matching (posture --host) never loads the zip reader and the OSV schema.
/** Imports into the database at `dir`: records with the same id are replaced, others kept (import ecosystems one by one). */
export function importIntoDb(
  dir: string,
  target: string,
  now: Date,
  warnings?: WarningSink,
): { file: string; added: number; total: number; kev: number; skipped: number } {
  const prev = loadVulnDb(dir);
  const res = importOsv(target, warnings);
  const byId = new Map<string, Advisory>((prev?.advisories ?? []).map((a) => [a.id, a]));
  for (const a of res.advisories) byId.set(a.id, a);
  const kev = { ...(prev?.kev ?? {}), ...Object.fromEntries(res.kev) };
  const db: VulnDbFile = {
    version: 1,
    importedAt: now.toISOString(),
    sources: [...new Set([...(prev?.sources ?? []), target])],
    advisories: [...byId.values()],
    kev,
  };
  const file = saveVulnDb(dir, db);
  return {
    file,
    added: res.advisories.length,
    total: db.advisories.length,
    kev: Object.keys(kev).length,
    skipped: res.skipped,
  };
}
