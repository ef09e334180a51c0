import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { MinewardenError } from '../../model/errors.js';
import { type PoolListLoad, poolIntelFromText } from './load-list.js';
import { PoolIntel } from './pool-intel.js';

export { defaultIntelDir } from './intel-dir.js';

const MetaSchema = z.object({
  list: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  source: z.string(),
  version: z.string(),
  date: z.string(),
  format: z.string(),
  entries: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  installedAt: z.string(),
});
export type InstalledPackMeta = z.infer<typeof MetaSchema>;

const NAME_RE = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Validates a downloaded or local list and installs it under `dir` as `<name>.list` with a `<name>.meta.json`
 * beside it. Written to a temporary name and renamed, so a reader never sees half a list.
 */
export function installPoolList(
  text: string,
  opts: { name: string; source: string; dir: string; now?: Date },
): { load: PoolListLoad; meta: InstalledPackMeta } {
  if (!NAME_RE.test(opts.name))
    throw new MinewardenError(
      'MW_USAGE',
      `pack name must be 1-64 letters, digits, '.', '_' or '-': ${opts.name}`,
    );
  const now = opts.now ?? new Date();
  const load = poolIntelFromText(text, {
    list: opts.name,
    source: opts.source,
    fallbackDate: now.toISOString().slice(0, 10),
  });
  const pack = load.intel.packs[0];
  const meta: InstalledPackMeta = {
    list: opts.name,
    source: opts.source,
    version: pack?.version ?? '',
    date: pack?.date ?? '',
    format: load.format,
    entries: load.entries,
    skipped: load.skipped,
    installedAt: now.toISOString(),
  };
  mkdirSync(opts.dir, { recursive: true });
  const base = join(opts.dir, opts.name);
  writeFileSync(`${base}.list.tmp`, text);
  writeFileSync(`${base}.meta.json.tmp`, `${JSON.stringify(meta, null, 2)}\n`);
  renameSync(`${base}.list.tmp`, `${base}.list`);
  renameSync(`${base}.meta.json.tmp`, `${base}.meta.json`);
  return { load, meta };
}

/** Installed packs in `dir` (none when it does not exist), each with the version and date recorded at install. */
export function loadInstalledPools(dir: string): { intel: PoolIntel; packs: InstalledPackMeta[] } {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.meta.json'));
  } catch {
    return { intel: new PoolIntel(), packs: [] };
  }
  const intels: PoolIntel[] = [];
  const packs: InstalledPackMeta[] = [];
  for (const n of names.sort()) {
    const metaFile = join(dir, n);
    let meta: InstalledPackMeta;
    try {
      meta = MetaSchema.parse(JSON.parse(readFileSync(metaFile, 'utf8')));
    } catch (err) {
      throw new MinewardenError(
        'MW_INPUT_SCHEMA',
        `installed pack metadata is invalid: ${(err as Error).message}`,
        {
          file: metaFile,
        },
      );
    }
    const listFile = join(dir, `${meta.list}.list`);
    const text = readFileSync(listFile, 'utf8');
    intels.push(
      poolIntelFromText(text, {
        list: meta.list,
        source: meta.source,
        version: meta.version,
        date: meta.date,
      }).intel,
    );
    packs.push(meta);
  }
  return { intel: PoolIntel.merge(...intels), packs };
}

const MAX_DOWNLOAD = 64 * 1024 * 1024;

/** Fetches a list over HTTP(S) with a timeout and a size cap; the body is validated by installPoolList. */
export async function fetchPoolList(url: string, timeoutMs = 30_000): Promise<string> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new MinewardenError('MW_USAGE', `not a URL: ${url}`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new MinewardenError('MW_USAGE', `only http and https URLs are fetched: ${url}`);
  let res: Response;
  try {
    res = await fetch(u, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (err) {
    throw new MinewardenError('MW_INPUT_UNREADABLE', `download failed: ${(err as Error).message}`, {
      file: url,
    });
  }
  if (!res.ok)
    throw new MinewardenError('MW_INPUT_UNREADABLE', `download failed: HTTP ${res.status}`, { file: url });
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_DOWNLOAD)
    throw new MinewardenError(
      'MW_INPUT_PARSE',
      `list is ${declared} bytes, over the ${MAX_DOWNLOAD}-byte limit`,
      { file: url },
    );
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (res.body) {
    for await (const chunk of res.body) {
      size += chunk.byteLength;
      if (size > MAX_DOWNLOAD)
        throw new MinewardenError('MW_INPUT_PARSE', `list is over the ${MAX_DOWNLOAD}-byte limit`, {
          file: url,
        });
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}
