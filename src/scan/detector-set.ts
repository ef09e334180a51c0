import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Detector } from '../detect/detector.js';
import { codedDetectors } from '../detect/detectors/index.js';
import type { MinerHashList } from '../detect/detectors/miner-hash-list.js';
import type { PackageOwnership } from '../detect/detectors/package-ownership.js';
import { builtinPackDetectors } from '../detect/rules/builtin-pack.js';
import { loadMinerPorts } from '../intel/miner-ports.js';
import { loadBuiltinPoolIntel } from '../intel/pools/builtin.js';
import type { PoolIntel } from '../intel/pools/pool-intel.js';
import { readDpkgOwnership } from '../sources/dpkg/owned-files.js';

/** Changes whenever a package is installed or removed: dpkg rewrites its status file and file lists. */
function dpkgStamp(root: string): string {
  const parts: string[] = [];
  for (const p of ['var/lib/dpkg/status', 'var/lib/dpkg/info']) {
    try {
      const st = statSync(join(root, p));
      parts.push(`${st.ino}:${st.mtimeMs}:${st.size}`);
    } catch {
      parts.push('-');
    }
  }
  return parts.join('|');
}

/**
 * The built-in detectors for repeated scans of one root (the agent): the compiled rule pack, the pool intel, the
 * miner ports and the package database are built once and shared (the database again after a package change);
 * the coded detectors, which keep per-scan state, are made fresh for every scan, which costs little.
 */
export class BuiltinDetectorSet {
  private readonly minerPorts = loadMinerPorts();
  private readonly pools: PoolIntel = loadBuiltinPoolIntel();
  private readonly pack: readonly Detector[] = builtinPackDetectors();
  private packages: PackageOwnership | null = null;
  private stamp = '';

  /** `minerHashes`: the built-in list merged with hash packs (the agent's `scan.hashPacks`); default built-in. */
  constructor(
    private readonly root: string,
    private readonly minerHashes?: MinerHashList,
  ) {}

  /** `pools` replaces the built-in pool intel (the agent passes the built-in list merged with the server's pack). */
  forScan(pools: PoolIntel = this.pools): Detector[] {
    const stamp = dpkgStamp(this.root);
    if (!this.packages || stamp !== this.stamp) {
      this.packages = readDpkgOwnership(this.root);
      this.stamp = stamp;
    }
    return [
      ...codedDetectors({
        minerPorts: this.minerPorts,
        pools,
        packages: this.packages,
        ...(this.minerHashes ? { minerHashes: this.minerHashes } : {}),
      }),
      ...this.pack,
    ];
  }
}
