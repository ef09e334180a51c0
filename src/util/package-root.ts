import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The nearest directory at or above `dir` that holds a package.json. Modules find the package's own files (native
 * addons, package.json, the rule pack, the dashboard) from here rather than by a fixed number of `..` from their
 * own location, because the same code runs from src/ (tests), dist/ and the bundled CLI in dist/cli-bundle/, at
 * different depths.
 */
export function findPackageRoot(dir: string): string {
  for (let d = dir; ; ) {
    if (existsSync(join(d, 'package.json'))) return d;
    const up = dirname(d);
    if (up === d) return dir;
    d = up;
  }
}

/** This package's root directory (see findPackageRoot). */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** A path inside the package, from its root: `packagePath('build', 'Release', 'x.node')`. */
export const packagePath = (...parts: string[]): string => join(PACKAGE_ROOT, ...parts);
