import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  ownershipFromLookup,
  ownershipFromMap,
  type PackageOwnership,
} from '../../detect/detectors/package-ownership.js';
import type { WarningSink } from '../../model/errors.js';
import { MAX_LISTS, PathIndexBuilder } from './path-index.js';

/** Caps that keep a hostile or huge database from costing more than a scan should. */
const MAX_LIST_BYTES = 16 * 1024 * 1024;
const MAX_PATHS = 2_000_000;

/**
 * Which package owns which file, from dpkg's per-package file lists (`var/lib/dpkg/info/<pkg>[:arch].list`) under
 * `root`. A host without dpkg gives an ownership that says "unknown" for everything. The lists (hundreds of
 * thousands of paths on a full server) are read on the first question only: most scans never ask one.
 */
export function readDpkgOwnership(root: string, warnings?: WarningSink): PackageOwnership {
  const dir = join(root, 'var/lib/dpkg/info');
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.list'));
  } catch {
    return ownershipFromMap(new Map());
  }
  if (names.length === 0) return ownershipFromMap(new Map());
  let loaded: PackageOwnership | undefined;
  return {
    available: true,
    ownerOf(path) {
      loaded ??= readLists(dir, names, warnings);
      return loaded.ownerOf(path);
    },
  };
}

/** Whether a list file names the path as one of its lines (the confirmation of an index hit). */
function listNames(file: string, path: string): boolean {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  const at = text.indexOf(`\n${path}\n`);
  return at >= 0 || text.startsWith(`${path}\n`) || text.endsWith(`\n${path}`);
}

/** Bound of the cache of answers: one per distinct executable asked about, so a host's worth fits easily. */
const MAX_ANSWERS = 8192;

/**
 * Reads every list once into a compact hash index (path-index.ts) instead of holding the paths; a question is
 * answered from the index and confirmed by reading the one list the index points at, then cached.
 */
function readLists(dir: string, names: string[], warnings: WarningSink | undefined): PackageOwnership {
  const sorted = [...names].sort().slice(0, MAX_LISTS);
  const builder = new PathIndexBuilder();
  scan: for (const [i, name] of sorted.entries()) {
    const file = join(dir, name);
    let text: string;
    try {
      if (statSync(file).size > MAX_LIST_BYTES) {
        warnings?.add('MW_W_FILE_UNREADABLE', `${file}: over ${MAX_LIST_BYTES} bytes, skipped`);
        continue;
      }
      text = readFileSync(file, 'utf8');
    } catch {
      warnings?.add('MW_W_FILE_UNREADABLE', `${file}: not readable`);
      continue;
    }
    // Line by line without a string per line: only the file's text is allocated.
    for (let start = 0; start < text.length; ) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const line = start;
      start = end + 1;
      if (text.charCodeAt(line) !== 0x2f || (end - line === 2 && text.charCodeAt(line + 1) === 0x2e))
        continue;
      builder.add(text, line, end, i);
      if (builder.size >= MAX_PATHS) {
        warnings?.add('MW_W_FILE_UNREADABLE', `${dir}: more than ${MAX_PATHS} owned paths, rest ignored`);
        break scan;
      }
    }
  }
  const index = builder.build();
  const answers = new Map<string, string | null>();
  const lookup = (path: string): string | undefined => {
    const known = answers.get(path);
    if (known !== undefined) return known ?? undefined;
    let owner: string | null = null;
    for (const i of index.candidates(path)) {
      const name = sorted[i]!;
      if (listNames(join(dir, name), path)) {
        owner = name.slice(0, -'.list'.length).replace(/:[a-z0-9_-]+$/, '');
        break;
      }
    }
    if (answers.size >= MAX_ANSWERS) answers.clear();
    answers.set(path, owner);
    return owner ?? undefined;
  };
  return ownershipFromLookup(index.size > 0, lookup);
}
