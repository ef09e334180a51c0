import { readdirSync, readlinkSync, statSync } from 'node:fs';
import type { WarningSink } from '../../model/errors.js';
import type { ProcessInfo } from '../../model/inventory.js';
import { type ContainerRef, containerFromCgroup } from './cgroup.js';
import { splitCmdline } from './cmdline.js';
import type { ExeHasher } from './exe-hash.js';
import { errnoOf, readProcBytes, readProcText } from './read.js';
import { PF_KTHREAD, type ProcStat, parseStat } from './stat.js';
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
  /** Bytes per page, the unit of stat's RSS. */
  pageSize: number;
  /** Container found per distinct cgroup text, filled during the scan. */
  containers: Map<string, ContainerRef | null>;
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

export function tryReadlink(path: string): string | null {
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

/** The stat of `pid` from its text, or null with a warning when it is unusable. */
export function statOrWarn(ctx: ReadContext, pid: number, text: string): ProcStat | null {
  const stat = parseStat(text);
  if (!stat || stat.pid !== pid) {
    ctx.warnings.add(
      'MW_W_PROC_MALFORMED',
      `unparseable stat for pid ${pid}; process skipped`,
      `${ctx.procDir}/${pid}/stat`,
    );
    return null;
  }
  return stat;
}

/** Warns that the stat of `pid` could not be read: routine when the process exited since the listing. */
export function warnStatUnreadable(
  ctx: ReadContext,
  pid: number,
  code: string | undefined,
  err: unknown,
): void {
  const dir = `${ctx.procDir}/${pid}`;
  if (code === 'ENOENT' || code === 'ESRCH')
    ctx.warnings.add('MW_W_PROC_VANISHED', `pid ${pid} exited during the scan`, dir);
  else ctx.warnings.add('MW_W_PROC_UNREADABLE', `cannot read ${dir}/stat: ${code ?? String(err)}`, dir);
}

/** A socket inode from an fd link target ("socket:[12345]"), or null for anything else. */
export function socketInodeOf(target: string): number | null {
  if (!target.startsWith('socket:[') || !target.endsWith(']') || target.length < 10) return null;
  const digits = target.slice(8, -1);
  if (!/^\d+$/.test(digits)) return null;
  return Number(digits);
}

/** The first "[digits]" of a namespace link ("net:[4026531840]"). */
export function nsInodeOf(link: string | null): number | null {
  const m = link ? /\[(\d+)\]/.exec(link) : null;
  return m ? Number(m[1]) : null;
}

/**
 * The ProcessInfo both readers (this file's and the native one in native-read.ts) build from what they read, so the
 * two give the same snapshot. `link` is the raw exe link; `linkErrno` the errno code name when reading it failed.
 */
export function assembleProcess(
  ctx: ReadContext,
  pid: number,
  stat: ProcStat,
  uid: number | null,
  args: string[],
  argsTruncated: boolean,
  link: string | null,
  linkErrno: string | undefined,
  exeReplaced: boolean,
  cgroup: string | null,
  netns: number | null,
  cwd: string | null,
  socketInodes: number[],
): ProcessInfo {
  const kernelThread = (stat.flags & PF_KTHREAD) !== 0;
  if (link === null && linkErrno !== undefined && linkErrno !== 'ENOENT') ctx.counts.exeUnreadable++;
  const exeLink = parseExeLink(link);

  let containerId: string | null = null;
  let containerRuntime: string | null = null;
  if (cgroup !== null) {
    // Most processes share a handful of cgroups: parse each distinct text once per scan.
    let c = ctx.containers.get(cgroup);
    if (c === undefined) {
      c = containerFromCgroup(cgroup);
      ctx.containers.set(cgroup, c);
    }
    if (c) ({ id: containerId, runtime: containerRuntime } = c);
  }

  let sha256: string | null = null;
  if (ctx.hasher && link !== null) {
    const r = ctx.hasher.hashProcess(ctx.procDir, pid, stat.starttime, link);
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
    exe: exeLink.exe,
    exeDeleted: exeLink.exeDeleted,
    exeMemfd: exeLink.exeMemfd,
    exeReplaced,
    args,
    argsTruncated,
    cwd,
    startTime: startTimeMs(ctx.bootTimeMs, stat.starttime),
    threads: stat.threads,
    rssBytes: stat.rssPages * ctx.pageSize,
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

/**
 * The real uid of a process. On a live procfs the owner of /proc/PID is the effective uid of a dumpable process
 * (task_dump_owner); a dumpable process that is not root has real uid == effective uid, because a setuid exec or any
 * later change of the effective uid makes it non-dumpable, and a non-dumpable process's directory belongs to root.
 * So one stat of the directory answers for every non-root process, and status is read only for root-owned ones
 * (root itself, setuid programs, processes that made themselves non-dumpable). Kernel threads run as root. Trees
 * that are not procfs (tests, a mounted image) are read from status.
 */
function readUid(ctx: ReadContext, dir: string, kernelThread: boolean): number | null {
  if (ctx.liveProcfs) {
    if (kernelThread) return 0;
    try {
      const owner = statSync(dir, { throwIfNoEntry: false })?.uid;
      if (owner !== undefined && owner !== 0) return owner;
    } catch {}
  }
  try {
    return parseStatus(readProcText(`${dir}/status`, true)).uid;
  } catch {
    return null;
  }
}

/**
 * Reads everything a scan wants about one process through node:fs (the reader used when the native one is not
 * built). A pid that vanishes mid-read returns null (with a warning only if it vanished after we started, which is
 * routine and therefore not an error); malformed files warn and skip.
 */
export function readProcess(ctx: ReadContext, pid: number): ProcessInfo | null {
  const dir = `${ctx.procDir}/${pid}`;
  let statText: string;
  try {
    statText = readProcText(`${dir}/stat`, true);
  } catch (err) {
    warnStatUnreadable(ctx, pid, errnoOf(err), err);
    return null;
  }
  const stat = statOrWarn(ctx, pid, statText);
  if (!stat) return null;
  const kernelThread = (stat.flags & PF_KTHREAD) !== 0;
  const uid = readUid(ctx, dir, kernelThread);

  let args: string[] = [];
  let argsTruncated = false;
  if (!kernelThread) {
    try {
      const { data, truncated } = readProcBytes(`${dir}/cmdline`, ctx.cmdlineCap, true);
      args = splitCmdline(data);
      argsTruncated = truncated;
    } catch {}
  }

  let link: string | null = null;
  let linkErrno: string | undefined;
  if (!kernelThread) {
    try {
      link = readlinkSync(`${dir}/exe`);
    } catch (err) {
      linkErrno = errnoOf(err) ?? 'EIO';
    }
  }

  let exeReplaced = false;
  if (ctx.liveProcfs && link && !link.endsWith(DELETED) && !link.startsWith('/memfd:')) {
    // Compare the running image with what the path names now, inside the process's own root (containers).
    try {
      const running = statSync(`${dir}/exe`);
      const onDisk = statSync(`${dir}/root${link}`);
      exeReplaced = running.ino !== onDisk.ino || running.dev !== onDisk.dev;
    } catch {}
  }

  let cgroup: string | null = null;
  try {
    cgroup = readProcText(`${dir}/cgroup`, true);
  } catch {}

  const netns = nsInodeOf(tryReadlink(`${dir}/ns/net`));

  const socketInodes: number[] = [];
  // A live kernel thread has no open files.
  if (!(ctx.liveProcfs && kernelThread)) {
    try {
      for (const fd of readdirSync(`${dir}/fd`)) {
        let target: string;
        try {
          target = readlinkSync(`${dir}/fd/${fd}`);
        } catch (err) {
          // Access to a process's fd links is decided per process (ptrace access mode): once denied, denied for all.
          const code = errnoOf(err);
          if (code === 'EACCES' || code === 'EPERM') break;
          continue;
        }
        const inode = socketInodeOf(target);
        if (inode !== null) socketInodes.push(inode);
      }
    } catch {}
    // Ascending, as the native reader gives them: directory order is not an order.
    if (socketInodes.length > 1) socketInodes.sort((a, b) => a - b);
  }

  return assembleProcess(
    ctx,
    pid,
    stat,
    uid,
    args,
    argsTruncated,
    link,
    linkErrno,
    exeReplaced,
    cgroup,
    netns,
    kernelThread ? null : tryReadlink(`${dir}/cwd`),
    socketInodes,
  );
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
