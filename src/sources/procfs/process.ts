import { readdirSync, readlinkSync, statSync } from 'node:fs';
import type { WarningSink } from '../../model/errors.js';
import type { ProcessInfo } from '../../model/inventory.js';
import { containerFromCgroup } from './cgroup.js';
import { splitCmdline } from './cmdline.js';
import type { ExeHasher } from './exe-hash.js';
import { errnoOf, readProcBytes, readProcText } from './read.js';
import { PF_KTHREAD, parseStat } from './stat.js';
import { parseStatus } from './status.js';

/** USER_HZ: the unit of /proc times; fixed at 100 by the kernel ABI on every architecture we support. */
export const CLOCK_TICKS = 100;

export function startTimeMs(bootTimeMs: number, startTicks: number): number {
  return bootTimeMs + (startTicks * 1000) / CLOCK_TICKS;
}

export interface ReadContext {
  procDir: string;
  /** Epoch ms of boot (btime), to turn start ticks into time. */
  bootTimeMs: number;
  users: ReadonlyMap<number, string>;
  warnings: WarningSink;
  /** procDir is a real procfs: exe/root are magic links, so replaced-binary checks are meaningful. */
  liveProcfs: boolean;
  cmdlineCap: number;
  hasher: ExeHasher | null;
  /** Counts kept for the summary instead of one warning per process. */
  counts: { exeUnreadable: number; hashSkipped: number; hashTooLarge: number };
}

const DELETED = ' (deleted)';

export interface ExeLink {
  exe: string | null;
  exeDeleted: boolean;
  exeMemfd: boolean;
}

export function parseExeLink(link: string | null): ExeLink {
  if (link === null) return { exe: null, exeDeleted: false, exeMemfd: false };
  const deleted = link.endsWith(DELETED);
  const exe = deleted ? link.slice(0, -DELETED.length) : link;
  return { exe, exeDeleted: deleted, exeMemfd: exe.startsWith('/memfd:') };
}

function tryReadlink(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

/** The part of a process that is cheap and race-tolerant to read; used by the exec poller too. */
export interface ProcessBasic extends ExeLink {
  pid: number;
  ppid: number;
  name: string;
  args: string[];
  startTime: number;
  uid: number | null;
}

/** Reads stat, status, exe and cmdline. Null when the pid vanished or its stat is unusable. */
export function readProcessBasic(
  procDir: string,
  pid: number,
  bootTimeMs = 0,
  cmdlineCap = 64 * 1024,
): ProcessBasic | null {
  const dir = `${procDir}/${pid}`;
  let stat: ReturnType<typeof parseStat>;
  try {
    stat = parseStat(readProcText(`${dir}/stat`));
  } catch {
    return null;
  }
  if (!stat) return null;
  let uid: number | null = null;
  try {
    uid = parseStatus(readProcText(`${dir}/status`)).uid;
  } catch {}
  let args: string[] = [];
  try {
    args = splitCmdline(readProcBytes(`${dir}/cmdline`, cmdlineCap).data);
  } catch {}
  return {
    pid,
    ppid: stat.ppid,
    name: stat.comm,
    args,
    startTime: startTimeMs(bootTimeMs, stat.starttime),
    uid,
    ...parseExeLink(tryReadlink(`${dir}/exe`)),
  };
}

/**
 * Reads everything a scan wants about one process. A pid that vanishes mid-read returns null (with a warning only if
 * it vanished after we started, which is routine and therefore not an error); malformed files warn and skip.
 */
export function readProcess(ctx: ReadContext, pid: number): ProcessInfo | null {
  const dir = `${ctx.procDir}/${pid}`;
  let statText: string;
  try {
    statText = readProcText(`${dir}/stat`);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT' || code === 'ESRCH')
      ctx.warnings.add('MW_W_PROC_VANISHED', `pid ${pid} exited during the scan`, dir);
    else ctx.warnings.add('MW_W_PROC_UNREADABLE', `cannot read ${dir}/stat: ${code ?? String(err)}`, dir);
    return null;
  }
  const stat = parseStat(statText);
  if (!stat || stat.pid !== pid) {
    ctx.warnings.add(
      'MW_W_PROC_MALFORMED',
      `unparseable stat for pid ${pid}; process skipped`,
      `${dir}/stat`,
    );
    return null;
  }
  const kernelThread = (stat.flags & PF_KTHREAD) !== 0;

  let uid: number | null = null;
  let rssBytes: number | null = null;
  try {
    ({ uid, rssBytes } = parseStatus(readProcText(`${dir}/status`)));
  } catch {}

  let args: string[] = [];
  let argsTruncated = false;
  if (!kernelThread) {
    try {
      const { data, truncated } = readProcBytes(`${dir}/cmdline`, ctx.cmdlineCap);
      args = splitCmdline(data);
      argsTruncated = truncated;
    } catch {}
  }

  let link: string | null = null;
  if (!kernelThread) {
    try {
      link = readlinkSync(`${dir}/exe`);
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT') ctx.counts.exeUnreadable++;
    }
  }
  const exeLink = parseExeLink(link);

  let exeReplaced = false;
  if (ctx.liveProcfs && exeLink.exe && !exeLink.exeDeleted && !exeLink.exeMemfd) {
    // Compare the running image with what the path names now, inside the process's own root (containers).
    try {
      const running = statSync(`${dir}/exe`);
      const onDisk = statSync(`${dir}/root${exeLink.exe}`);
      exeReplaced = running.ino !== onDisk.ino || running.dev !== onDisk.dev;
    } catch {}
  }

  let containerId: string | null = null;
  let containerRuntime: string | null = null;
  try {
    const c = containerFromCgroup(readProcText(`${dir}/cgroup`));
    if (c) ({ id: containerId, runtime: containerRuntime } = c);
  } catch {}

  let netns: number | null = null;
  const ns = tryReadlink(`${dir}/ns/net`);
  const m = ns ? /\[(\d+)\]/.exec(ns) : null;
  if (m) netns = Number(m[1]);

  const socketInodes: number[] = [];
  try {
    for (const fd of readdirSync(`${dir}/fd`)) {
      const target = tryReadlink(`${dir}/fd/${fd}`);
      if (target?.startsWith('socket:[')) socketInodes.push(Number(target.slice(8, -1)));
    }
  } catch {}

  let sha256: string | null = null;
  if (ctx.hasher && link !== null) {
    const r = ctx.hasher.hashProcess(`${dir}/exe`, `${pid}:${stat.starttime}:${link}`);
    if ('sha256' in r) sha256 = r.sha256;
    else if (r.skipped === 'too-large') ctx.counts.hashTooLarge++;
    else ctx.counts.hashSkipped++;
  }

  return {
    pid,
    ppid: stat.ppid,
    name: stat.comm,
    state: stat.state,
    uid,
    user: uid === null ? null : (ctx.users.get(uid) ?? null),
    ...exeLink,
    exeReplaced,
    args,
    argsTruncated,
    cwd: kernelThread ? null : tryReadlink(`${dir}/cwd`),
    startTime: startTimeMs(ctx.bootTimeMs, stat.starttime),
    threads: stat.threads,
    rssBytes: rssBytes ?? stat.rssPages * 4096,
    cpuSeconds: (stat.utime + stat.stime) / CLOCK_TICKS,
    childCpuSeconds: (stat.cutime + stat.cstime) / CLOCK_TICKS,
    cpuPercent: null,
    kernelThread,
    containerId,
    containerRuntime,
    netns,
    sha256,
    socketInodes,
  };
}

/** Numeric entries of procDir: the pids. */
export function listPids(procDir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync(procDir)) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) {
      const n = Number(name);
      if (Number.isInteger(n) && n > 0) pids.push(n);
    }
  }
  return pids;
}
