import type { Detector } from '../detector.js';
import { exeDeleted } from './exe-deleted.js';
import { exeWritablePath } from './exe-writable-path.js';
import { kthreadMasquerade } from './kthread-masquerade.js';
import { minerCmdline } from './miner-cmdline.js';
import { minerPortDetector } from './miner-port.js';

export interface BuiltinIntel {
  minerPorts: ReadonlyMap<number, string>;
}

/** The coded detectors that ship with the product, built with the given intel. */
export function builtinDetectors(intel: BuiltinIntel): Detector[] {
  return [exeWritablePath, exeDeleted, kthreadMasquerade, minerCmdline, minerPortDetector(intel.minerPorts)];
}
