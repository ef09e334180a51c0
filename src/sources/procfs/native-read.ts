import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import type { ProcessInfo } from '../../model/inventory.js';
import { packagePath } from '../../util/package-root.js';
import { splitCmdline } from './cmdline.js';
import { assembleProcess, type ReadContext, statOrWarn, warnStatUnreadable } from './process.js';
import { PF_KTHREAD, type ProcStat } from './stat.js';
import { parseStatus } from './status.js';

export const PROCFS_READ_ADDON_PATH = packagePath('build', 'Release', 'procfs_read.node');

/** Record layout written by native/procfs_read.cc (see the comment at its top). */
const NOT_READ = -0x80000000;
/** In place of a length: the field follows already parsed. */
const PARSED = -0x7fffffff;
/** In place of a length: the same bytes as the last record of this call that had the field. */
const SAME = -0x7ffffffe;

/** What the previous records of one readProcs call decoded, for SAME. */
interface Repeats {
  args: string[];
  exe: string;
  cgroup: string;
  cwd: string;
}
const FLAG_EXE_REPLACED = 1;
const FLAG_ARGS_TRUNCATED = 2;
const LIVE = 1;

interface ProcfsReadAddon {
  abiVersion: number;
  readProcs(
    procDir: string,
    pids: Int32Array,
    from: number,
    out: Uint8Array,
    cmdlineCap: number,
    flags: number,
  ): number;
}

let addon: ProcfsReadAddon | null | undefined;
let addonProblem = '';

function isAddon(x: unknown): x is ProcfsReadAddon {
  const o = x as Partial<ProcfsReadAddon> | null;
  return typeof o === 'object' && o !== null && o.abiVersion === 1 && typeof o.readProcs === 'function';
}

/** The native reader, loaded once; null (with `nativeReadProblem()` saying why) when it is not built here. */
export function loadProcfsReadAddon(): ProcfsReadAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  try {
    const mod: unknown = createRequire(import.meta.url)(PROCFS_READ_ADDON_PATH);
    if (isAddon(mod)) addon = mod;
    else addonProblem = `${PROCFS_READ_ADDON_PATH} is not the expected addon version`;
  } catch (err) {
    addonProblem = `addon not built (${(err as Error).message.split('\n')[0]})`;
  }
  return addon;
}

export function nativeReadProblem(): string {
  return addonProblem;
}

const errnoNames = new Map<number, string>();
for (const [name, n] of Object.entries(osConstants.errno)) if (!errnoNames.has(n)) errnoNames.set(n, name);

function errnoName(negative: number): string {
  return errnoNames.get(-negative) ?? `errno ${-negative}`;
}

const parsedStat: ProcStat = {
  pid: 0,
  comm: '',
  state: '',
  ppid: 0,
  flags: 0,
  utime: 0,
  stime: 0,
  cutime: 0,
  cstime: 0,
  threads: 0,
  starttime: 0,
  rssPages: 0,
};

// Reused between scans and filled a batch at a time (~400 processes each), so little of it is ever resident; grown
// when one process's record does not fit (a huge command line or many sockets).
let out = Buffer.allocUnsafe(64 * 1024);

/**
 * Reads `pids` with the native reader and assembles them as the JS reader does (same warnings, counts and
 * ProcessInfo). Null when the addon is not available, so the caller falls back to readProcess.
 */
export function readProcessesNative(ctx: ReadContext, pids: readonly number[]): ProcessInfo[] | null {
  const native = loadProcfsReadAddon();
  if (!native) return null;
  const list = Int32Array.from(pids);
  const flags = ctx.liveProcfs ? LIVE : 0;
  const result: ProcessInfo[] = [];
  let from = 0;
  while (from < list.length) {
    const next = native.readProcs(ctx.procDir, list, from, out, ctx.cmdlineCap, flags);
    if (next === from) {
      out = Buffer.allocUnsafe(out.length * 2);
      continue;
    }
    let at = 0;
    const last: Repeats = { args: [], exe: '', cgroup: '', cwd: '' };
    for (let i = from; i < next; i++) at = decodeRecord(ctx, out, at, result, last);
    from = next;
  }
  return result;
}

/** Decodes one record at `at` into `result` (or a warning); returns where the next record starts. */
function decodeRecord(ctx: ReadContext, b: Buffer, at: number, result: ProcessInfo[], last: Repeats): number {
  const pid = b.readInt32LE(at);
  const statLen = b.readInt32LE(at + 4);
  at += 8;
  let stat: ProcStat | null;
  if (statLen === PARSED) {
    const commLen = b.readInt32LE(at);
    at += 4;
    const comm = b.toString('latin1', at, at + commLen);
    at += commLen;
    const state = String.fromCharCode(b.readInt32LE(at));
    at += 4;
    // assembleProcess keeps none of it, so one object serves every record.
    stat = parsedStat;
    stat.pid = pid;
    stat.comm = comm;
    stat.state = state;
    stat.ppid = b.readDoubleLE(at);
    stat.flags = b.readDoubleLE(at + 8);
    stat.utime = b.readDoubleLE(at + 16);
    stat.stime = b.readDoubleLE(at + 24);
    stat.cutime = b.readDoubleLE(at + 32);
    stat.cstime = b.readDoubleLE(at + 40);
    stat.threads = b.readDoubleLE(at + 48);
    stat.starttime = b.readDoubleLE(at + 56);
    stat.rssPages = b.readDoubleLE(at + 64);
    at += 72;
  } else if (statLen < 0) {
    warnStatUnreadable(ctx, pid, errnoName(statLen), undefined);
    return at;
  } else {
    stat = statOrWarn(ctx, pid, b.toString('latin1', at, at + statLen));
    at += statLen;
  }

  let uid: number | null = b.readInt32LE(at);
  const uidLinesLen = b.readInt32LE(at + 4);
  at += 8;
  if (uidLinesLen === PARSED) {
    uid = b.readInt32LE(at);
    at += 4;
  } else if (uid < 0) {
    uid = uidLinesLen >= 0 ? parseStatus(b.toString('latin1', at, at + uidLinesLen)).uid : null;
  }
  if (uidLinesLen > 0) at += uidLinesLen;

  const recFlags = b.readInt32LE(at);
  at += 4;

  let args: string[] = [];
  const cmdLen = b.readInt32LE(at);
  at += 4;
  if (cmdLen === SAME) {
    // A copy of the array (callers may treat it as theirs); its strings are shared.
    args = last.args.slice();
  } else if (cmdLen >= 0) {
    args = splitCmdline(b, at, at + cmdLen);
    last.args = args;
    at += cmdLen;
  }

  const exeLen = b.readInt32LE(at);
  at += 4;
  let link: string | null = null;
  let linkErrno: string | undefined;
  if (exeLen === SAME) {
    link = last.exe;
  } else if (exeLen >= 0) {
    link = b.toString('utf8', at, at + exeLen);
    last.exe = link;
    at += exeLen;
  } else if (exeLen !== NOT_READ) {
    linkErrno = errnoName(exeLen);
  }

  const cgLen = b.readInt32LE(at);
  at += 4;
  let cgroup: string | null = null;
  if (cgLen === SAME) {
    cgroup = last.cgroup;
  } else if (cgLen >= 0) {
    cgroup = b.toString('latin1', at, at + cgLen);
    last.cgroup = cgroup;
    at += cgLen;
  }

  const ns = b.readDoubleLE(at);
  at += 8;

  const cwdLen = b.readInt32LE(at);
  at += 4;
  let cwd: string | null = null;
  if (cwdLen === SAME) {
    cwd = last.cwd;
  } else if (cwdLen >= 0) {
    cwd = b.toString('utf8', at, at + cwdLen);
    last.cwd = cwd;
    at += cwdLen;
  }

  const nSockets = b.readInt32LE(at);
  at += 4;
  const socketInodes: number[] = new Array(nSockets);
  for (let i = 0; i < nSockets; i++) socketInodes[i] = b.readDoubleLE(at + i * 8);
  at += nSockets * 8;

  if (stat) {
    // Whether a process is a kernel thread is this stat's call, as in the JS reader.
    if ((stat.flags & PF_KTHREAD) !== 0) {
      args = [];
      link = null;
      linkErrno = undefined;
      cwd = null;
    }
    result.push(
      assembleProcess(
        ctx,
        pid,
        stat,
        uid,
        args,
        (cmdLen >= 0 || cmdLen === SAME) && (recFlags & FLAG_ARGS_TRUNCATED) !== 0,
        link,
        linkErrno,
        (recFlags & FLAG_EXE_REPLACED) !== 0,
        cgroup,
        ns >= 0 ? ns : null,
        cwd,
        socketInodes,
      ),
    );
  }
  return at;
}
