import type { AuthRecordSink } from './record.js';

/** How an `AuthLogParser` reads: the host and time anchors, the cap on line length, and where records go. */
export interface AuthParseOptions {
  /** Host id for events whose line names no host. */
  hostId?: string;
  /** Anchor for syslog stamps without a year (file mtime, or now when following). */
  referenceTime: number;
  /**
   * Time for lines that carry none (sshd -E, journal short): the file's time, or a clock when following live (the
   * moment a line is read is then the best estimate of when it was written). Defaults to referenceTime.
   */
  fallbackTime?: number | (() => number);
  /** Lines longer than this are skipped and counted (default 64 KiB). */
  maxLineLength?: number;
  source?: string;
  /**
   * When given, auth attempts are written into `records.record` and emitted instead of returned as events (no
   * event object per line): for a consumer that reads the fields directly, such as the SSH detectors of `logs`.
   */
  records?: AuthRecordSink;
}

/** What a parser has seen so far. */
export interface AuthParseStats {
  lines: number;
  events: number;
  failures: number;
  successes: number;
  /** Lines skipped as too long, binary, or failures no address could be attributed to. */
  skippedLong: number;
  skippedBinary: number;
  unattributed: number;
}

export function noParseStats(): AuthParseStats {
  return {
    lines: 0,
    events: 0,
    failures: 0,
    successes: 0,
    skippedLong: 0,
    skippedBinary: 0,
    unattributed: 0,
  };
}
