import { statfsSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { MinewardenError, type Warning, WarningSink } from '../../model/errors.js';
import type { Host } from '../../model/host.js';
import type { Listener, ProcessInfo, SocketInfo } from '../../model/inventory.js';
import { ExeHasher } from './exe-hash.js';
import { readBootTimeMs, readHostCpuTicks, readHostInfo } from './host-info.js';
import { nativeReadProblem, readProcessesNative } from './native-read.js';
import { pageSize } from './page-size.js';
import { readPasswd } from './passwd.js';
import {
  CLOCK_TICKS,
  listPids,
  nsInodeOf,
  type ReadContext,
  readProcess,
  startTimeMs,
  tryReadlink,
} from './process.js';
import { readProcText } from './read.js';
import { readWaitNs } from './schedstat.js';
import { readSockets } from './sockets.js';
import { parseStat } from './stat.js';

export interface SnapshotOptions {
  /** Root of the host's filesystem; proc/ under it is read. Default "/". */
  root?: string;
  /** CPU sampling interval in ms; 0 takes one pass and leaves cpuPercent null. Default 1000. */
  sampleMs?: number;
  /** Hash executables (cached); default true. */
  hash?: boolean;
  hashMaxBytes?: number;
  cmdlineCap?: number;
  /** Reused across snapshots by long-running callers so binaries are hashed once. */
  hasher?: ExeHasher;
  /**
   * How processes are read: 'native' (native/procfs_read.cc) when it is built, else 'js' (node:fs); both give the
   * same snapshot. Default 'auto': native when available.
   */
  reader?: 'auto' | 'js' | 'native';
}

export interface HostSnapshot {
  host: Host;
  time: number;
  processes: ProcessInfo[];
  sockets: SocketInfo[];
  listeners: Listener[];
  /** Host CPU busy % over the sampling interval, of all cores (100 = every core busy). */
  hostCpuPercent: number | null;
  warnings: Warning[];
  stats: {
    collectMs: number;
    processes: number;
    exeUnreadable: number;
    hashSkipped: number;
    hashTooLarge: number;
    warningsDropped: number;
  };
}

const PROC_SUPER_MAGIC = 0x9fa0;

function isProcfs(dir: string): boolean {
  try {
    return Number(statfsSync(dir).type) === PROC_SUPER_MAGIC;
  } catch {
    return false;
  }
}

export function procDirOf(root: string): string {
  const procDir = `${root === '/' ? '' : root.replace(/\/+$/, '')}/proc`;
  try {
    if (!statSync(root).isDirectory()) throw new Error('not a directory');
    if (!statSync(procDir).isDirectory()) throw new Error('no proc/ inside');
  } catch (err) {
    throw new MinewardenError(
      'MW_ROOT_INVALID',
      `cannot use ${root} as root: ${err instanceof Error ? err.message : String(err)}`,
      { field: '--root' },
    );
  }
  return procDir;
}

interface CpuMark {
  ticks: number;
  startTime: number;
  /** Runqueue wait of the live threads, ns; null without schedstat. */
  waitNs: number | null;
}

/**
 * Demand is read only for processes that have used at least this share of a core since they started (or in the
 * sample): idle daemons, most of a host, cost a schedstat read per thread and cannot be CPU-bound. A miner would
 * have to get under 5% of a core for its whole life to be missed, which takes a host loaded far beyond its cores.
 */
const DEMAND_MIN_CORES = 0.05;

function busyEnough(cpuSeconds: number, startTime: number, now: number): boolean {
  const age = (now - startTime) / 1000;
  return age <= 0 || cpuSeconds / age >= DEMAND_MIN_CORES;
}

function cpuTicksByPid(procDir: string, bootTimeMs: number): Map<number, CpuMark> {
  const out = new Map<number, CpuMark>();
  const now = Date.now();
  for (const pid of listPids(procDir)) {
    try {
      const s = parseStat(readProcText(`${procDir}/${pid}/stat`));
      if (!s) continue;
      const ticks = s.utime + s.stime;
      const startTime = startTimeMs(bootTimeMs, s.starttime);
      out.set(pid, {
        ticks,
        startTime,
        waitNs: busyEnough(ticks / CLOCK_TICKS, startTime, now) ? readWaitNs(procDir, pid, s.threads) : null,
      });
    } catch {}
  }
  return out;
}

/** One consistent-enough look at the host: processes, sockets and listeners, with CPU % over `sampleMs`. */
export async function takeSnapshot(opts: SnapshotOptions = {}): Promise<HostSnapshot> {
  const root = opts.root ?? '/';
  const procDir = procDirOf(root);
  const live = isProcfs(procDir);
  const warnings = new WarningSink();
  if (live && typeof process.getuid === 'function' && process.getuid() !== 0) {
    warnings.add(
      'MW_W_NOT_ROOT',
      "not running as root: other users' executables, working directories, open sockets and hashes are hidden",
    );
  }

  const sampleMs = opts.sampleMs ?? 1000;
  const bootTimeMs = readBootTimeMs(procDir);
  let first: Map<number, CpuMark> | null = null;
  let firstHost: ReturnType<typeof readHostCpuTicks> = null;
  let t0 = 0;
  if (sampleMs > 0) {
    firstHost = readHostCpuTicks(procDir);
    t0 = performance.now();
    first = cpuTicksByPid(procDir, bootTimeMs);
    await sleep(sampleMs);
  }

  const started = performance.now();
  const ctx: ReadContext = {
    procDir,
    bootTimeMs,
    users: readPasswd(`${root === '/' ? '' : root}/etc/passwd`),
    warnings,
    liveProcfs: live,
    cmdlineCap: opts.cmdlineCap ?? 64 * 1024,
    hasher: opts.hash === false ? null : (opts.hasher ?? new ExeHasher(opts.hashMaxBytes)),
    counts: { exeUnreadable: 0, hashSkipped: 0, hashTooLarge: 0 },
    pageSize: pageSize(),
    containers: new Map(),
  };
  const elapsedSec = first ? (performance.now() - t0) / 1000 : 0;
  const now = Date.now();
  const pids = listPids(procDir);
  const reader = opts.reader ?? 'auto';
  let processes = reader === 'js' ? null : readProcessesNative(ctx, pids);
  if (!processes) {
    if (reader === 'native') {
      throw new MinewardenError('MW_INTERNAL', `native /proc reader unavailable: ${nativeReadProblem()}`);
    }
    processes = [];
    for (const pid of pids) {
      const p = readProcess(ctx, pid);
      if (p) processes.push(p);
    }
  }
  for (const p of processes) {
    const pid = p.pid;
    if (first && elapsedSec > 0) {
      // A process born during the interval (or a recycled pid, which has another start time) counts from zero.
      const before = first.get(pid);
      const same = before !== undefined && before.startTime === p.startTime;
      const base = same ? before.ticks : 0;
      p.cpuPercent = Math.max(0, ((p.cpuSeconds * CLOCK_TICKS - base) / CLOCK_TICKS / elapsedSec) * 100);
      // Demand = running + waiting to run: a CPU-bound process on a contended host gets few cycles but is
      // runnable all the time, and that is what says "CPU-bound", not the share the scheduler gave it.
      const busy =
        (same && before.waitNs !== null) ||
        p.cpuPercent >= DEMAND_MIN_CORES * 100 ||
        busyEnough(p.cpuSeconds, p.startTime, now);
      const waitNs = busy ? readWaitNs(procDir, pid, p.threads) : null;
      if (waitNs !== null) {
        p.cpuWaitSeconds = waitNs / 1e9;
        const waitBase = same ? before.waitNs : 0;
        if (waitBase !== null) {
          const waited = Math.max(0, (waitNs - waitBase) / 1e9);
          p.cpuDemandPercent = p.cpuPercent + (waited / elapsedSec) * 100;
        }
      }
    }
  }
  // procDir/net is the namespace of whoever opens it: on a live procfs, that of this process (procDir/self).
  const ownNetns = live ? nsInodeOf(tryReadlink(`${procDir}/self/ns/net`)) : null;
  const { sockets, listeners } = readSockets(procDir, processes, warnings, ownNetns);

  let hostCpuPercent: number | null = null;
  const secondHost = firstHost ? readHostCpuTicks(procDir) : null;
  if (firstHost && secondHost && secondHost.total > firstHost.total) {
    const total = secondHost.total - firstHost.total;
    hostCpuPercent = ((total - (secondHost.idle - firstHost.idle)) / total) * 100;
  }
  if (ctx.counts.exeUnreadable > 0) {
    warnings.add(
      'MW_W_PROC_UNREADABLE',
      `executable path of ${ctx.counts.exeUnreadable} process(es) not readable`,
    );
  }
  if (ctx.counts.hashSkipped > 0) {
    warnings.add(
      'MW_W_HASH_SKIPPED',
      `${ctx.counts.hashSkipped} executable(s) could not be read for hashing`,
    );
  }

  return {
    host: readHostInfo(root === '/' ? '' : root, procDir, live),
    time: Date.now(),
    processes,
    sockets,
    listeners,
    hostCpuPercent,
    warnings: warnings.items,
    stats: {
      collectMs: performance.now() - started,
      processes: processes.length,
      ...ctx.counts,
      warningsDropped: warnings.dropped,
    },
  };
}
