import { setFlagsFromString } from 'node:v8';

/**
 * V8 setting for a one-shot analysis of capture files (`minewarden pcap FILE...`, which exits when done): no
 * optimizing compiler past Maglev, so no TurboFan. Such a run lasts about a second; TurboFan would compile every
 * detector and the finding builder on background threads (over a third of all CPU samples on a 200 MB capture) and the
 * optimized code would not run long enough to pay that back (bench/RESULTS.md, bench/pcap). It is process-wide, so
 * only the offline command sets it, before it reads anything; `pcap --live` runs for weeks and keeps V8's defaults.
 */
export const BATCH_V8_FLAGS = '--max-opt=2';

export function tuneV8ForBatchAnalysis(): void {
  setFlagsFromString(BATCH_V8_FLAGS);
}
