import { loadBuiltinPoolIntel } from '../../intel/pools/builtin.js';
import type { PoolIntel } from '../../intel/pools/pool-intel.js';
import type { Detector } from '../detector.js';
import { builtinPackDetectors } from '../rules/builtin-pack.js';
import { evasionLdPreload } from './evasion-ld-preload.js';
import { exeDeleted } from './exe-deleted.js';
import { exeWritablePath } from './exe-writable-path.js';
import { historyDropper } from './history-dropper.js';
import { kthreadMasquerade } from './kthread-masquerade.js';
import { minerBehaviour } from './miner-behaviour.js';
import { minerCmdline } from './miner-cmdline.js';
import { minerCpuSustained } from './miner-cpu-sustained.js';
import { minerFile } from './miner-file.js';
import { minerKnownHash } from './miner-hash.js';
import { builtinMinerHashes, type MinerHashList } from './miner-hash-list.js';
import { minerPortDetector } from './miner-port.js';
import { netPoolConnection } from './net-pool-connection.js';
import { sshSpreader } from './net-ssh-spreader.js';
import type { PackageOwnership } from './package-ownership.js';
import { persistDownloadExec } from './persist-download-exec.js';
import { persistSshKey } from './persist-ssh-key.js';
import { persistUid0 } from './persist-uid0.js';
import { persistWritablePath } from './persist-writable-path.js';

export interface BuiltinIntel {
  minerPorts: ReadonlyMap<number, string>;
  /** Pool domains and addresses; the built-in list when absent. */
  pools?: PoolIntel;
  /** Package ownership of executables (dpkg lists under the scanned root); unknown when absent. */
  packages?: PackageOwnership;
  /** SHA-256 of known miner builds; the built-in list when absent. */
  minerHashes?: MinerHashList;
}

/** The coded detectors that ship with the product, built with the given intel. */
export function codedDetectors(intel: BuiltinIntel): Detector[] {
  return [
    exeWritablePath,
    exeDeleted,
    kthreadMasquerade,
    minerCmdline,
    minerPortDetector(intel.minerPorts),
    minerFile,
    minerKnownHash(intel.minerHashes ?? builtinMinerHashes()),
    persistDownloadExec,
    persistWritablePath,
    persistSshKey,
    persistUid0,
    evasionLdPreload,
    historyDropper,
    netPoolConnection(intel.pools ?? loadBuiltinPoolIntel()),
    minerCpuSustained(intel.packages ? { packages: intel.packages } : {}),
    minerBehaviour(intel.packages ? { packages: intel.packages } : {}),
    sshSpreader(),
  ];
}

/** Everything that ships: the coded detectors and the Sigma rule pack (src/detect/rules/, compiled from pack.json). */
export function builtinDetectors(intel: BuiltinIntel): Detector[] {
  return [...codedDetectors(intel), ...builtinPackDetectors()];
}
