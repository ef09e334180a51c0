import type { Detector } from '../detector.js';
import { evasionLdPreload } from './evasion-ld-preload.js';
import { exeDeleted } from './exe-deleted.js';
import { exeWritablePath } from './exe-writable-path.js';
import { kthreadMasquerade } from './kthread-masquerade.js';
import { minerCmdline } from './miner-cmdline.js';
import { minerFile } from './miner-file.js';
import { minerPortDetector } from './miner-port.js';
import { persistDownloadExec } from './persist-download-exec.js';
import { persistSshKey } from './persist-ssh-key.js';
import { persistUid0 } from './persist-uid0.js';
import { persistWritablePath } from './persist-writable-path.js';

export interface BuiltinIntel {
  minerPorts: ReadonlyMap<number, string>;
}

/** The coded detectors that ship with the product, built with the given intel. */
export function builtinDetectors(intel: BuiltinIntel): Detector[] {
  return [
    exeWritablePath,
    exeDeleted,
    kthreadMasquerade,
    minerCmdline,
    minerPortDetector(intel.minerPorts),
    minerFile,
    persistDownloadExec,
    persistWritablePath,
    persistSshKey,
    persistUid0,
    evasionLdPreload,
  ];
}
