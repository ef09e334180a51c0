import type { WarningCode } from '../../model/errors.js';
import type { TelemetryEvent } from '../../model/event.js';

export type ExecSourceMode = 'netlink' | 'poll';

export interface ExecSourceStatus {
  mode: ExecSourceMode;
  /** Why this mode was chosen when it is not netlink (a fallback reason, or "requested"). */
  reason?: string;
  /** MW_W_EXEC_FALLBACK when netlink was wanted but could not start; absent when poll was asked for. */
  warning?: WarningCode;
  /** Events handed to the callback so far. */
  events: number;
  /** Records lost because the consumer was too slow (bounded queue full). */
  dropped: number;
  /** Times the kernel reported it dropped events (ENOBUFS on the netlink socket); each may hide several events. */
  kernelOverruns: number;
  /** Set when the source failed after starting and delivers nothing more. */
  error?: string;
}

export interface ExecSource {
  readonly mode: ExecSourceMode;
  /** Begins delivering `exec` and `exit` events. Keeps the process alive until stop(). Call once. */
  start(onEvent: (e: TelemetryEvent) => void): void;
  /** Stops delivery and releases the socket, thread or timer; idempotent. */
  stop(): Promise<void>;
  status(): ExecSourceStatus;
}

export interface ExecSourceOptions {
  hostId: string;
  /** The procfs to read; default /proc. Its parent's etc/passwd names users. */
  procRoot?: string;
  /** Default netlink; netlink falls back to poll when it cannot start. */
  prefer?: ExecSourceMode;
  /** Poll period; default 250 ms. */
  pollIntervalMs?: number;
  /** Where the native addon is; default build/Release/proc_connector.node in the package. */
  addonPath?: string;
  /** Bound of the queue between the addon's reader thread and JS; default 16384 records. */
  queueLimit?: number;
  /** How long to wait for the kernel to confirm the subscription; default 500 ms. */
  ackTimeoutMs?: number;
  /**
   * netlink: how long the reader thread gathers records before handing them to JS in one call; default 2 ms.
   * `/proc` is read at exec time whatever this is; a consumer that only looks at events now and then sets a longer
   * one and saves the wake-ups.
   */
  handoffMs?: number;
}

/** Options after validation, defaults applied. */
export interface ResolvedExecOptions {
  hostId: string;
  procRoot: string;
  prefer: ExecSourceMode;
  pollIntervalMs: number;
  addonPath: string | undefined;
  queueLimit: number;
  ackTimeoutMs: number;
  handoffMs: number;
  passwdPath: string;
}

/** Thrown by a source that cannot run here; the message is the reason shown to the user. */
export class ExecSourceUnavailable extends Error {
  override readonly name = 'ExecSourceUnavailable';
}
