import type { WarningCode } from '../../model/errors.js';
import type { TelemetryEvent } from '../../model/event.js';
import { readBootTimeMs } from '../procfs/host-info.js';
import { listPids, readProcessBasic } from '../procfs/process.js';
import { execEvent, exitEvent, RecentProcesses } from './events.js';
import type { ExecSource, ExecSourceStatus, ResolvedExecOptions } from './types.js';
import { UserNames } from './users.js';

/**
 * The fallback: diff the pid set of procRoot every interval; new pids are execs, gone pids are exits. It misses any
 * process that lives less than one interval, and an exec that keeps its pid (a shell exec-ing a command) is not seen,
 * which is why the status always carries the reason it is in use.
 */
export function openPollSource(opts: ResolvedExecOptions, reason: string, warning?: WarningCode): ExecSource {
  return new PollSource(opts, reason, warning);
}

class PollSource implements ExecSource {
  readonly mode = 'poll' as const;
  private readonly known = new RecentProcesses(Number.MAX_SAFE_INTEGER);
  private readonly users: UserNames;
  private readonly bootTimeMs: number;
  private timer: NodeJS.Timeout | undefined;
  private onEvent: ((e: TelemetryEvent) => void) | undefined;
  private events = 0;
  private error: string | undefined;
  private stopped = false;

  constructor(
    private readonly opts: ResolvedExecOptions,
    private readonly reason: string,
    private readonly warning: WarningCode | undefined,
  ) {
    this.users = new UserNames(opts.passwdPath);
    this.bootTimeMs = readBootTimeMs(opts.procRoot);
  }

  start(onEvent: (e: TelemetryEvent) => void): void {
    if (this.onEvent) throw new Error('exec source already started');
    this.onEvent = onEvent;
    // The first pass is the baseline: what runs already did not just start, so it is remembered, not reported.
    this.tick(false);
    this.timer = setInterval(() => this.tick(true), this.opts.pollIntervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  status(): ExecSourceStatus {
    const s: ExecSourceStatus = {
      mode: 'poll',
      reason: this.reason,
      events: this.events,
      dropped: 0,
      kernelOverruns: 0,
    };
    if (this.warning) s.warning = this.warning;
    if (this.error) s.error = this.error;
    return s;
  }

  private tick(report: boolean): void {
    if (this.stopped) return;
    let pids: number[];
    try {
      pids = listPids(this.opts.procRoot);
    } catch (err) {
      // A procfs that vanished (unmounted, container gone) ends the source; the status says so.
      this.error = `cannot list ${this.opts.procRoot}: ${(err as Error).message}`;
      void this.stop();
      return;
    }
    const now = Date.now();
    const current = new Set(pids);
    const out: TelemetryEvent[] = [];
    for (const pid of pids) {
      if (this.known.get(pid)) continue;
      const p = readProcessBasic(this.opts.procRoot, pid, this.bootTimeMs);
      if (!p) continue;
      this.known.set(p);
      if (report) {
        const parent = this.known.get(p.ppid);
        out.push(execEvent(this.opts.hostId, 'poll', now, p, this.users.name(p.uid), parent));
      }
    }
    const gone: number[] = [];
    for (const pid of this.known.pids()) if (!current.has(pid)) gone.push(pid);
    for (const pid of gone) {
      const p = this.known.get(pid);
      this.known.delete(pid);
      if (p && report) out.push(exitEvent(this.opts.hostId, 'poll', now, p, this.users.name(p.uid), null));
    }
    this.deliver(out);
  }

  private deliver(events: TelemetryEvent[]): void {
    let firstError: unknown;
    for (const e of events) {
      this.events++;
      try {
        this.onEvent?.(e);
      } catch (err) {
        firstError ??= err;
      }
    }
    if (firstError !== undefined) throw firstError;
  }
}
