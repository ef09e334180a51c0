import { readdirSync } from 'node:fs';
import { readProcText } from './read.js';

/** Threads read per process at most; a process with more is counted by its first ones (an undercount). */
const MAX_THREADS = 4096;

/** Nanoseconds a task has waited on a runqueue: the second field of /proc/.../schedstat, or null when malformed. */
export function parseSchedstatWait(text: string): number | null {
  const parts = text.trim().split(' ');
  if (parts.length < 3) return null;
  const wait = Number(parts[1]);
  return Number.isFinite(wait) && wait >= 0 ? wait : null;
}

/**
 * Time a process's live threads have spent runnable but not running (waiting on a runqueue), in nanoseconds.
 * /proc/PID/schedstat holds the leader thread only, so a multi-threaded process is summed over task/. Null when the
 * kernel has no schedstat (CONFIG_SCHED_INFO off), the tree is not a real procfs, or the process went away.
 */
export function readWaitNs(procDir: string, pid: number, threads: number): number | null {
  try {
    if (threads <= 1) return parseSchedstatWait(readProcText(`${procDir}/${pid}/schedstat`));
    let sum = 0;
    let seen = 0;
    for (const tid of readdirSync(`${procDir}/${pid}/task`)) {
      if (seen++ >= MAX_THREADS) break;
      let w: number | null = null;
      try {
        w = parseSchedstatWait(readProcText(`${procDir}/${pid}/task/${tid}/schedstat`));
      } catch {
        // the thread ended between the listing and the read
        continue;
      }
      if (w === null) return null;
      sum += w;
    }
    return seen > 0 ? sum : null;
  } catch {
    return null;
  }
}
