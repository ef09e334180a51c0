import { readlinkSync } from 'node:fs';
import { containerFromCgroup } from '../sources/procfs/cgroup.js';
import { splitCmdline } from '../sources/procfs/cmdline.js';
import { readBootTimeMs } from '../sources/procfs/host-info.js';
import { listPids, parseExeLink, startTimeMs } from '../sources/procfs/process.js';
import { readProcBytes, readProcText } from '../sources/procfs/read.js';
import { PF_KTHREAD, parseStat } from '../sources/procfs/stat.js';
import { parseStatus } from '../sources/procfs/status.js';

/** What names one process across pid reuse (pid + start time + exe), plus what safety checks need. */
export interface ProcessIdentity {
  pid: number;
  /** Epoch ms, from the stat start ticks and boot time. */
  startTime: number;
  exe: string | null;
  exeDeleted: boolean;
  ppid: number;
  uid: number | null;
  state: string;
  kernelThread: boolean;
  containerId: string | null;
  args: string[];
}

const bootTimes = new Map<string, number>();

/** Boot time is fixed for a /proc; read it once per directory rather than once per process. */
function bootTimeOf(procDir: string): number {
  let t = bootTimes.get(procDir);
  if (t === undefined) {
    t = readBootTimeMs(procDir);
    bootTimes.set(procDir, t);
  }
  return t;
}

/** Start times derive from 10 ms clock ticks; ISO round trips can differ by less than one tick. */
const START_TOLERANCE_MS = 10;

/** Reads one process now; null when it is gone. A zombie is reported (state Z) since its pid is still taken. */
export function readIdentity(procDir: string, pid: number): ProcessIdentity | null {
  const dir = `${procDir}/${pid}`;
  let stat: ReturnType<typeof parseStat>;
  try {
    stat = parseStat(readProcText(`${dir}/stat`));
  } catch {
    return null;
  }
  if (!stat || stat.pid !== pid) return null;
  const kernelThread = (stat.flags & PF_KTHREAD) !== 0;
  let uid: number | null = null;
  try {
    uid = parseStatus(readProcText(`${dir}/status`)).uid;
  } catch {}
  let link: string | null = null;
  try {
    link = readlinkSync(`${dir}/exe`);
  } catch {}
  let containerId: string | null = null;
  try {
    containerId = containerFromCgroup(readProcText(`${dir}/cgroup`))?.id ?? null;
  } catch {}
  let args: string[] = [];
  try {
    args = splitCmdline(readProcBytes(`${dir}/cmdline`, 16 * 1024).data);
  } catch {}
  const exe = parseExeLink(link);
  return {
    pid,
    startTime: startTimeMs(bootTimeOf(procDir), stat.starttime),
    exe: exe.exe,
    exeDeleted: exe.exeDeleted,
    ppid: stat.ppid,
    uid,
    state: stat.state,
    kernelThread,
    containerId,
    args,
  };
}

export interface ExpectedIdentity {
  pid: number;
  startTime: number;
  exe: string | null;
}

/** Why `now` is not the process that was planned, or null when it is. */
export function identityMismatch(expected: ExpectedIdentity, now: ProcessIdentity | null): string | null {
  if (!now) return `pid ${expected.pid} is gone`;
  if (Math.abs(now.startTime - expected.startTime) >= START_TOLERANCE_MS) {
    return (
      `pid ${expected.pid} was recycled: planned start ${new Date(expected.startTime).toISOString()}, ` +
      `now ${new Date(now.startTime).toISOString()} (${now.exe ?? 'no exe'})`
    );
  }
  if (expected.exe !== null && now.exe !== expected.exe) {
    return `pid ${expected.pid} changed executable: planned ${expected.exe}, now ${now.exe ?? 'unreadable'}`;
  }
  return null;
}

/** Descendants of `pid`, parents before children, from one pass over /proc. */
export function descendants(procDir: string, pid: number): ProcessIdentity[] {
  const byParent = new Map<number, ProcessIdentity[]>();
  for (const p of listPids(procDir)) {
    const id = readIdentity(procDir, p);
    if (!id) continue;
    const list = byParent.get(id.ppid);
    if (list) list.push(id);
    else byParent.set(id.ppid, [id]);
  }
  const out: ProcessIdentity[] = [];
  const queue = [pid];
  const seen = new Set<number>([pid]);
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const child of byParent.get(parent) ?? []) {
      if (seen.has(child.pid)) continue;
      seen.add(child.pid);
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

/** Our own process and every ancestor up to PID 1: the session running the command. */
export function ancestry(procDir: string, pid: number): number[] {
  const out: number[] = [];
  let cur: number | undefined = pid;
  for (let i = 0; i < 4096 && cur !== undefined && cur > 0; i++) {
    out.push(cur);
    const id = readIdentity(procDir, cur);
    cur = id && id.ppid !== cur ? id.ppid : undefined;
  }
  return out;
}
