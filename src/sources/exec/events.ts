import type { EventFields, TelemetryEvent } from '../../model/event.js';
import { joinArgs } from '../procfs/cmdline.js';
import type { ProcessBasic } from '../procfs/process.js';

/** What the exec sources know of a process: the procfs basic read, whichever source produced it. */
export type ExecProcess = ProcessBasic;

/** Identity and image fields that both exec and exit carry, so a detector can match an exit to its exec. */
function identityFields(p: ExecProcess, user: string | null): Record<string, EventFields[string]> {
  return {
    'process.pid': p.pid,
    // A process gone before its /proc entry was read has only a pid: unknown stays null, never a made-up value.
    'process.ppid': p.ppid >= 0 ? p.ppid : null,
    'process.name': p.name === '' ? null : p.name,
    'process.exe': p.exe,
    'process.exeDeleted': p.exeDeleted,
    'process.exeMemfd': p.exeMemfd,
    'process.startTime': p.startTime > 0 ? p.startTime : null,
    'process.uid': p.uid,
    'process.user': user,
  };
}

export function execEvent(
  hostId: string,
  source: string,
  time: number,
  p: ExecProcess,
  user: string | null,
  parent: ExecProcess | undefined,
): TelemetryEvent {
  return {
    kind: 'exec',
    time,
    hostId,
    source,
    fields: {
      ...identityFields(p, user),
      'process.args': p.args,
      'process.commandLine': joinArgs(p.args),
      'parent.exe': parent?.exe ?? null,
      'parent.commandLine': parent ? joinArgs(parent.args) : null,
    },
  };
}

export function exitEvent(
  hostId: string,
  source: string,
  time: number,
  p: ExecProcess,
  user: string | null,
  exitCode: number | null,
): TelemetryEvent {
  return {
    kind: 'exit',
    time,
    hostId,
    source,
    fields: { ...identityFields(p, user), 'process.exitCode': exitCode },
  };
}

/**
 * A wait(2) status as the kernel reports it on exit, in the shell's convention: the exit code for a normal exit,
 * 128 + signal for a death by signal (so SIGKILL is 137).
 */
export function exitCodeOf(waitStatus: number): number {
  const signal = waitStatus & 0x7f;
  return signal === 0 ? (waitStatus >> 8) & 0xff : 128 + signal;
}

/**
 * Processes seen recently, by pid, so exits and children can be described after the /proc entry is gone. Bounded:
 * past `limit` the oldest entries go first, so a fork bomb costs a fixed amount of memory.
 */
export class RecentProcesses {
  private readonly byPid = new Map<number, ExecProcess>();

  constructor(private readonly limit = 32768) {}

  get(pid: number): ExecProcess | undefined {
    return this.byPid.get(pid);
  }

  set(p: ExecProcess): void {
    // Re-insert so the entry counts as newest; Map keeps insertion order, which makes eviction oldest-first.
    this.byPid.delete(p.pid);
    this.byPid.set(p.pid, p);
    if (this.byPid.size > this.limit) {
      const oldest = this.byPid.keys().next();
      if (!oldest.done) this.byPid.delete(oldest.value);
    }
  }

  delete(pid: number): void {
    this.byPid.delete(pid);
  }

  pids(): IterableIterator<number> {
    return this.byPid.keys();
  }

  get size(): number {
    return this.byPid.size;
  }
}
