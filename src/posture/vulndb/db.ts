import type { WarningSink } from '../../model/errors.js';
import { BUILTIN_ADVISORIES } from './builtin.js';
import { importOsv } from './import.js';
import { AdvisoryIndex, type KevEntry } from './match.js';
import type { Advisory } from './osv.js';
import { loadVulnDb, saveVulnDb, type VulnDbFile } from './store.js';

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

/** The imported database (if any) plus the built-in set, ready to match. */
export function openAdvisoryIndex(dir: string | undefined): { index: AdvisoryIndex; imported: number } {
  const db = dir ? loadVulnDb(dir) : undefined;
  const kev = new Map<string, KevEntry>(Object.entries(db?.kev ?? {}));
  const ids = new Set((db?.advisories ?? []).flatMap((a) => [a.id, ...a.aliases]));
  // Built-in records step aside when an imported advisory covers the same CVE with authoritative version data.
  const builtin = BUILTIN_ADVISORIES.filter((b) => !b.aliases.some((a) => ids.has(a)));
  return {
    index: new AdvisoryIndex([...(db?.advisories ?? []), ...builtin], kev),
    imported: db?.advisories.length ?? 0,
  };
}
