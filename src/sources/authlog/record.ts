/**
 * An auth attempt as plain fields, for a consumer that takes them straight from the parser instead of as an `auth`
 * event: the file path of `logs` feeds the SSH detectors this way, with no event object per line. The fields mean
 * what the event fields of the same name mean (`peer` is `source.ip`, else `source.domain`; `line` is
 * `log.message`; `count` is 1 unless syslog folded repeats).
 */
export interface AuthRecord {
  time: number;
  failure: boolean;
  success: boolean;
  reason: string | undefined;
  method: string | undefined;
  user: string | undefined;
  invalidUser: boolean;
  count: number;
  peer: string | undefined;
  line: string | undefined;
  /**
   * Numbers for the spellings of `peer` and `user` (-1: none): equal numbers mean equal strings for the life of
   * the process, so a consumer may keep per-peer or per-account state in arrays by these numbers instead of maps
   * keyed by the strings. Each is below native-walk.ts MAX_WALK_IDS.
   */
  peerId: number;
  userId: number;
  /**
   * Sets `line` to the ASCII bytes `buf[start, end)`, to be decoded only if something reads it while the record is
   * emitted (the bytes are reused after): a few sample lines per source are read, out of millions.
   */
  asciiLine(buf: Uint8Array, start: number, end: number): void;
}

/** Where the parser writes each record (one reused object) before calling `emit`; valid only during the call. */
export interface AuthRecordSink {
  readonly record: AuthRecord;
  emit(): void;
}
