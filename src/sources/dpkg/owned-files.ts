import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ownershipFromMap, type PackageOwnership } from '../../detect/detectors/package-ownership.js';
import type { WarningSink } from '../../model/errors.js';

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

function readLists(dir: string, names: string[], warnings: WarningSink | undefined): PackageOwnership {
  const owners = new Map<string, string>();
  for (const name of names.sort()) {
    const pkg = name.slice(0, -'.list'.length).replace(/:[a-z0-9_-]+$/, '');
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
    for (const line of text.split('\n')) {
      if (!line.startsWith('/') || line === '/.') continue;
      if (!owners.has(line)) owners.set(line, pkg);
      if (owners.size >= MAX_PATHS) {
        warnings?.add('MW_W_FILE_UNREADABLE', `${dir}: more than ${MAX_PATHS} owned paths, rest ignored`);
        return ownershipFromMap(owners);
      }
    }
  }
  return ownershipFromMap(owners);
}
