import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { MinewardenError } from '../../model/errors.js';
import { type ListFormat, type ListParseResult, parseListText } from './list-text.js';
import { type NetInput, PoolIntel } from './pool-intel.js';

export interface PoolListOptions {
  /** Pack name shown in matches; defaults to the file name. */
  list?: string;
  /** Refuse inputs larger than this (default 64 MiB): a list is text, a bigger file is a mistake or an attack. */
  maxBytes?: number;
  /** Overrides of what the list header (or the file's content hash and mtime) says. */
  version?: string;
  date?: string;
}

export interface PoolListLoad {
  intel: PoolIntel;
  format: ListFormat;
  entries: number;
  skipped: number;
  skippedSamples: ListParseResult['skippedSamples'];
}

const DEFAULT_MAX = 64 * 1024 * 1024;

/** Builds a pack from list text already in memory (a file, or a download by `intel update --from URL`). */
export function poolIntelFromText(
  text: string,
  opts: { list: string; source: string; version?: string; date?: string; fallbackDate?: string },
): PoolListLoad {
  const parsed = parseListText(text);
  if (parsed.entries.length === 0)
    throw new MinewardenError('MW_INPUT_PARSE', 'no domain, IP or CIDR entries found in the pool list', {
      file: opts.source,
    });
  const domains: { domain: string }[] = [];
  const nets: NetInput[] = [];
  for (const e of parsed.entries) {
    if (e.kind === 'domain') domains.push({ domain: e.domain });
    else nets.push({ net: e.net, text: e.text });
  }
  const version =
    opts.version ??
    parsed.headerVersion ??
    `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
  const date = opts.date ?? parsed.headerDate ?? opts.fallbackDate ?? '';
  const intel = new PoolIntel();
  intel.addPack({ list: opts.list, version, date, source: opts.source }, domains, nets);
  return {
    intel,
    format: parsed.format,
    entries: parsed.entries.length,
    skipped: parsed.skipped,
    skippedSamples: parsed.skippedSamples,
  };
}

/** Reads a pool list file in plain, hosts, Adblock or IP/CIDR format (detected from its lines), with a report. */
export function readPoolList(file: string, opts: PoolListOptions = {}): PoolListLoad {
  let size: number;
  let mtime: Date;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new MinewardenError('MW_INPUT_UNREADABLE', 'not a regular file', { file });
    size = st.size;
    mtime = st.mtime;
  } catch (err) {
    if (err instanceof MinewardenError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new MinewardenError(
      code === 'ENOENT' ? 'MW_INPUT_NOT_FOUND' : 'MW_INPUT_UNREADABLE',
      String(code),
      {
        file,
      },
    );
  }
  const max = opts.maxBytes ?? DEFAULT_MAX;
  if (size > max)
    throw new MinewardenError('MW_INPUT_PARSE', `pool list is ${size} bytes, over the ${max}-byte limit`, {
      file,
    });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new MinewardenError('MW_INPUT_UNREADABLE', String((err as NodeJS.ErrnoException).code ?? err), {
      file,
    });
  }
  return poolIntelFromText(text, {
    list: opts.list ?? basename(file),
    source: file,
    ...(opts.version !== undefined ? { version: opts.version } : {}),
    ...(opts.date !== undefined ? { date: opts.date } : {}),
    fallbackDate: mtime.toISOString().slice(0, 10),
  });
}

/** Reads a pool list file; see readPoolList for the report of skipped lines. */
export function loadPoolList(file: string, opts: PoolListOptions = {}): PoolIntel {
  return readPoolList(file, opts).intel;
}
