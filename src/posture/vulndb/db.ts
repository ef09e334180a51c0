import { BUILTIN_ADVISORIES } from './builtin.js';
import { AdvisoryIndex, type KevEntry } from './match.js';
import { loadVulnDb } from './store.js';

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
