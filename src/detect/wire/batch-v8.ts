import { statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { loadPcapWalkAddon } from '../../sources/pcap/native-walk.js';

/**
 * V8 settings for a one-shot analysis of capture files (`minewarden pcap FILE...`, which exits when done):
 * - no optimizing compiler past Maglev, so no TurboFan. A run over a few hundred MB lasts about a second: TurboFan
 *   would compile every detector and the finding builder on background threads (over a third of all CPU samples on a
 *   200 MB capture) and the optimized code would not run long enough to pay that back (bench/RESULTS.md, bench/pcap).
 *   Node 20 ships Maglev off, so this is Sparkplug's baseline code;
 * - baseline code from a function's first call (--always-sparkplug) rather than after it ran in the interpreter a
 *   while: the detectors run a few thousand times each, and baseline compiling is cheap;
 * - young-generation collections on the main thread alone (--no-parallel-scavenge): nearly everything the analysis
 *   allocates survives (flows, findings), so helper threads add their start and hand-over costs to short pauses;
 * - a young generation that keeps its starting size (--semi-space-growth-factor=1): an object is copied at most twice
 *   before it is promoted whatever that size, and a growing one touches fresh pages (each first touch is a page
 *   fault, about 1.5 us here) where a small one reuses pages that are still in the CPU's cache. About 1,900 page
 *   faults fewer on bench/pcap's 200 MB.
 * Each read where V8 uses it, so setting them at run time is safe. Together about 6 ms less CPU on that capture.
 */
export const BATCH_V8_FLAGS =
  '--max-opt=2 --always-sparkplug --no-parallel-scavenge --semi-space-growth-factor=1';

/**
 * Input above which V8 keeps its defaults: run on the same 200 MB capture again and again in one process, the
 * optimized code catches up after about 1 GB, so this stays well below that.
 */
export const BATCH_TUNING_MAX_BYTES = 512 * 1024 * 1024;

/**
 * Sets BATCH_V8_FLAGS when the native packet walk will read `files` and they are regular files of at most
 * BATCH_TUNING_MAX_BYTES together (a pipe or device may run for long); returns whether it did. Without the addon the
 * JavaScript walk runs a loop per packet, which TurboFan's code does speed up within a run, so V8 keeps its
 * defaults. Process-wide, so only the offline command calls it, before it reads anything; `pcap --live` runs for
 * weeks and keeps V8's defaults.
 */
export function tuneV8ForBatchAnalysis(files: readonly string[]): boolean {
  if (loadPcapWalkAddon() === null) return false;
  let total = 0;
  for (const file of files) {
    try {
      const st = statSync(file);
      if (!st.isFile()) return false;
      total += st.size;
    } catch {
      // The analysis reports the file it cannot read; it adds nothing to the run's length.
    }
  }
  if (total > BATCH_TUNING_MAX_BYTES) return false;
  setFlagsFromString(BATCH_V8_FLAGS);
  return true;
}
