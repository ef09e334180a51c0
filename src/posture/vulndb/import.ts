import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { MinewardenError, type WarningSink } from '../../model/errors.js';
import { type Advisory, compactAdvisory, OsvRecordSchema } from './osv.js';

/** Caps against hostile archives: a zip bomb or a tree of millions of files stops with a clear error. */
const MAX_ZIP_BYTES = 512 * 1024 * 1024;
const MAX_RECORD_BYTES = 4 * 1024 * 1024;
const MAX_RECORDS = 2_000_000;

export interface ImportResult {
  advisories: Advisory[];
  /** KEV catalog entries found among the inputs (CVE id -> dateAdded). */
  kev: Map<string, { dateAdded: string; ransomware: boolean }>;
  files: number;
  skipped: number;
}

function parseRecord(text: string, where: string, out: ImportResult, warnings?: WarningSink): void {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    out.skipped++;
    warnings?.add('MW_W_VULNDB_SKIPPED', 'not valid JSON', where);
    return;
  }
  if (raw && typeof raw === 'object' && 'vulnerabilities' in raw && 'catalogVersion' in raw) {
    readKev(raw as { vulnerabilities: unknown }, out);
    return;
  }
  const records = Array.isArray(raw) ? raw : [raw];
  for (const r of records) {
    const parsed = OsvRecordSchema.safeParse(r);
    if (!parsed.success) {
      out.skipped++;
      const issue = parsed.error.issues[0]!;
      warnings?.add(
        'MW_W_VULNDB_SKIPPED',
        `not an OSV record: ${issue.path.join('.')}: ${issue.message}`,
        where,
      );
      continue;
    }
    const a = compactAdvisory(parsed.data);
    if (a) out.advisories.push(a);
  }
}

/** CISA's Known Exploited Vulnerabilities catalog (JSON feed): which CVEs are exploited in the wild. */
function readKev(raw: { vulnerabilities: unknown }, out: ImportResult): void {
  if (!Array.isArray(raw.vulnerabilities)) return;
  for (const v of raw.vulnerabilities) {
    if (!v || typeof v !== 'object') continue;
    const o = v as Record<string, unknown>;
    if (typeof o.cveID !== 'string') continue;
    out.kev.set(o.cveID, {
      dateAdded: typeof o.dateAdded === 'string' ? o.dateAdded : '',
      ransomware: o.knownRansomwareCampaignUse === 'Known',
    });
  }
}

function importZip(file: string, out: ImportResult, warnings?: WarningSink): void {
  const size = statSync(file).size;
  if (size > MAX_ZIP_BYTES)
    throw new MinewardenError('MW_INPUT_UNREADABLE', `zip larger than ${MAX_ZIP_BYTES} bytes`, { file });
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(readFileSync(file), {
      filter: (f) => f.name.endsWith('.json') && f.originalSize <= MAX_RECORD_BYTES,
    });
  } catch (err) {
    throw new MinewardenError('MW_INPUT_PARSE', `not a readable zip: ${(err as Error).message}`, { file });
  }
  const dec = new TextDecoder();
  for (const [name, data] of Object.entries(entries)) {
    if (++out.files > MAX_RECORDS)
      throw new MinewardenError('MW_INPUT_UNREADABLE', `more than ${MAX_RECORDS} records`, { file });
    parseRecord(dec.decode(data), `${file}:${name}`, out, warnings);
  }
}

/**
 * OSV exports as published per ecosystem: a directory tree of <ID>.json files, an ecosystem's all.zip, or a
 * directory holding several <Ecosystem>/all.zip. A KEV catalog JSON found among them is read too.
 */
export function importOsv(target: string, warnings?: WarningSink): ImportResult {
  const out: ImportResult = { advisories: [], kev: new Map(), files: 0, skipped: 0 };
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(target);
  } catch {
    throw new MinewardenError('MW_INPUT_NOT_FOUND', 'no such file or directory', { file: target });
  }
  const visit = (p: string, depth: number) => {
    const s = statSync(p);
    if (s.isDirectory()) {
      if (depth > 6) return;
      for (const n of readdirSync(p).sort()) visit(path.join(p, n), depth + 1);
    } else if (p.endsWith('.zip')) importZip(p, out, warnings);
    else if (p.endsWith('.json')) {
      if (++out.files > MAX_RECORDS)
        throw new MinewardenError('MW_INPUT_UNREADABLE', `more than ${MAX_RECORDS} records`, {
          file: target,
        });
      if (s.size > MAX_RECORD_BYTES * 16) {
        out.skipped++;
        warnings?.add('MW_W_VULNDB_SKIPPED', 'file too large for one advisory', p);
        return;
      }
      parseRecord(readFileSync(p, 'utf8'), p, out, warnings);
    }
  };
  visit(target, st.isDirectory() ? 0 : 6);
  return out;
}
