import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { TelemetryEvent } from '../../model/event.js';
import { packagePath } from '../../util/package-root.js';
import { splitCmdline } from '../procfs/cmdline.js';
import { readBootTimeMs } from '../procfs/host-info.js';
import { type ProcessBasic, parseExeLink, readProcessBasic, startTimeMs } from '../procfs/process.js';
import { type ExecProcess, execEvent, exitCodeOf, exitEvent, RecentProcesses } from './events.js';
import {
  type ExecSource,
  type ExecSourceStatus,
  ExecSourceUnavailable,
  type ResolvedExecOptions,
} from './types.js';
import { UserNames } from './users.js';

/** One record from the addon (native/proc_connector.cc, ToJs). */
export interface AddonRecord {
  kind: 'exec' | 'exit' | 'fork';
  pid: number;
  /** -1 when unknown. */
  ppid: number;
  timeMs: number;
  /** Start time in clock ticks since boot; -1 when /proc/PID/stat was already gone. */
  startTicks: number;
  /** Real uid; -1 when unknown. */
  uid: number;
  comm?: string;
  /** readlink of /proc/PID/exe, verbatim (with any " (deleted)"). */
  exe?: string;
  /** /proc/PID/cmdline bytes, NUL-separated, at most 64 KiB. */
  cmdline?: Buffer;
  /** wait(2) status, exit records only. */
  exitStatus?: number;
}

export interface AddonStats {
  delivered: number;
  dropped: number;
  overruns: number;
  error: string | null;
}

export interface AddonListener {
  start(onBatch: (batch: AddonRecord[]) => void): void;
  stop(): void;
  stats(): AddonStats;
}

interface AddonModule {
  Listener: new (opts: {
    queueLimit: number;
    ackTimeoutMs: number;
    forks: boolean;
    handoffMs: number;
  }) => AddonListener;
  abiVersion: number;
}

export const DEFAULT_ADDON_PATH = packagePath('build', 'Release', 'proc_connector.node');
const ADDON_ABI = 1;

function isAddonModule(m: unknown): m is AddonModule {
  return (
    typeof m === 'object' &&
    m !== null &&
    'Listener' in m &&
    typeof m.Listener === 'function' &&
    'abiVersion' in m &&
    m.abiVersion === ADDON_ABI
  );
}

/** Loads the addon or throws ExecSourceUnavailable saying why, in words an operator can act on. */
export function loadAddon(path = DEFAULT_ADDON_PATH): AddonModule {
  if (process.platform !== 'linux') {
    throw new ExecSourceUnavailable(
      `netlink process events exist only on Linux (this is ${process.platform})`,
    );
  }
  if (!existsSync(path)) {
    throw new ExecSourceUnavailable(
      `native addon not built (${path} is missing; run "npm rebuild minewarden" or see build/native-build.log)`,
    );
  }
  let mod: unknown;
  try {
    mod = createRequire(import.meta.url)(path);
  } catch (err) {
    throw new ExecSourceUnavailable(`native addon ${path} does not load: ${(err as Error).message}`);
  }
  if (!isAddonModule(mod)) {
    throw new ExecSourceUnavailable(`native addon ${path} is from another version; rebuild it (npm rebuild)`);
  }
  return mod;
}

/** Opens the netlink socket now (so the caller learns at once whether it works); events flow after start(). */
export function openNetlinkSource(opts: ResolvedExecOptions): ExecSource {
  const addon = loadAddon(opts.addonPath);
  let listener: AddonListener;
  try {
    listener = new addon.Listener({
      queueLimit: opts.queueLimit,
      ackTimeoutMs: opts.ackTimeoutMs,
      forks: false,
      handoffMs: opts.handoffMs,
    });
  } catch (err) {
    throw new ExecSourceUnavailable(`netlink proc connector unavailable: ${(err as Error).message}`);
  }
  return new NetlinkSource(listener, opts);
}

class NetlinkSource implements ExecSource {
  readonly mode = 'netlink' as const;
  private readonly recent = new RecentProcesses();
  private readonly users: UserNames;
  private readonly bootTimeMs: number;
  private events = 0;
  private started = false;
  private stopped = false;

  constructor(
    private readonly listener: AddonListener,
    private readonly opts: ResolvedExecOptions,
  ) {
    this.users = new UserNames(opts.passwdPath);
    this.bootTimeMs = readBootTimeMs(opts.procRoot);
  }

  start(onEvent: (e: TelemetryEvent) => void): void {
    if (this.started) throw new Error('exec source already started');
    this.started = true;
    this.listener.start((batch) => {
      if (this.stopped) return;
      let firstError: unknown;
      for (const rec of batch) {
        const e = this.toEvent(rec);
        if (!e) continue;
        this.events++;
        // One consumer bug must not cost the rest of the batch; it still surfaces, once, after the batch.
        try {
          onEvent(e);
        } catch (err) {
          firstError ??= err;
        }
      }
      if (firstError !== undefined) throw firstError;
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.listener.stop();
  }

  status(): ExecSourceStatus {
    const s = this.listener.stats();
    const status: ExecSourceStatus = {
      mode: 'netlink',
      events: this.events,
      dropped: s.dropped,
      kernelOverruns: s.overruns,
    };
    if (s.error) status.error = s.error;
    return status;
  }

  private toEvent(rec: AddonRecord): TelemetryEvent | null {
    const source = 'netlink';
    // The model's event time is integer epoch ms (TelemetryEventSchema).
    const time = Math.floor(rec.timeMs);
    if (rec.kind === 'exec') {
      const p = this.processOf(rec);
      this.recent.set(p);
      return execEvent(this.opts.hostId, source, time, p, this.users.name(p.uid), this.parentOf(p.ppid));
    }
    if (rec.kind === 'exit') {
      const known = this.recent.get(rec.pid);
      this.recent.delete(rec.pid);
      const startTime = rec.startTicks >= 0 ? startTimeMs(this.bootTimeMs, rec.startTicks) : 0;
      // The cached exec is this process only if it is not an older holder of a reused pid.
      const p: ExecProcess =
        known && (startTime === 0 || known.startTime === startTime)
          ? { ...known, ppid: rec.ppid > 0 ? rec.ppid : known.ppid }
          : { ...this.processOf(rec), startTime };
      const exitCode = rec.exitStatus === undefined ? null : exitCodeOf(rec.exitStatus);
      return exitEvent(this.opts.hostId, source, time, p, this.users.name(p.uid), exitCode);
    }
    return null;
  }

  private processOf(rec: AddonRecord): ExecProcess {
    return {
      pid: rec.pid,
      ppid: rec.ppid,
      name: rec.comm ?? '',
      args: rec.cmdline ? splitCmdline(rec.cmdline) : [],
      startTime: rec.startTicks >= 0 ? startTimeMs(this.bootTimeMs, rec.startTicks) : 0,
      uid: rec.uid >= 0 ? rec.uid : null,
      ...parseExeLink(rec.exe ?? null),
    };
  }

  /** The parent from what we saw exec, else read once from /proc while it most likely still runs. */
  private parentOf(ppid: number): ProcessBasic | undefined {
    if (ppid <= 0) return undefined;
    const known = this.recent.get(ppid);
    if (known) return known;
    const read = readProcessBasic(this.opts.procRoot, ppid, this.bootTimeMs);
    if (read) this.recent.set(read);
    return read ?? undefined;
  }
}
