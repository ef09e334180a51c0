/**
 * Every user-facing error and warning has a stable code, listed once here and documented in docs/errors.md
 * (a test keeps the two in step). Messages name the file, line or field at fault so one line is enough to act on.
 */
export const ERROR_CODES = {
  MW_USAGE: 'The command line is wrong: unknown option, missing argument or a value out of range.',
  MW_INPUT_NOT_FOUND: 'An input file or directory does not exist.',
  MW_INPUT_UNREADABLE:
    'An input exists but cannot be read (permissions, or it is a directory where a file was expected).',
  MW_INPUT_PARSE:
    'An input could not be parsed (JSON, YAML, a log line); the message names the file and line.',
  MW_INPUT_SCHEMA: 'An input parsed but a field has the wrong type or value; the message names the field.',
  MW_CONFIG_INVALID: 'A configuration file failed validation; the message names the file and field.',
  MW_ROOT_INVALID: 'The --root directory is missing or has no proc/ inside it.',
  MW_SIGMA_YAML: 'A Sigma rule file is not valid YAML; the message names the file and line.',
  MW_SIGMA_SCHEMA:
    'A Sigma rule is missing a required field or has one of the wrong type; file:line names it.',
  MW_SIGMA_MODIFIER:
    'A Sigma rule uses an unknown value modifier, or modifiers or a value that do not fit together.',
  MW_SIGMA_REGEX:
    'A Sigma rule regex is invalid or uses syntax the linear-time engine refuses (back-references, look-around).',
  MW_SIGMA_CONDITION: 'A Sigma condition does not parse, names an unknown identifier, or nests too deep.',
  MW_SIGMA_TOO_LARGE:
    'A Sigma rule file or value is over a size limit (file bytes, expansions, regex or condition length).',
  MW_SIGMA_CORRELATION:
    'A Sigma correlation rule names a rule that is not loaded, or correlations refer to each other in a loop.',
  MW_SIGMA_UNSUPPORTED:
    'A Sigma rule uses a feature the engine does not evaluate; the message names the feature.',
  MW_STORE_UNAVAILABLE: 'The database (--db) cannot be opened or reached; the message says why.',
  MW_BUS_UNAVAILABLE: 'The NATS bus (--bus) cannot be reached or its JetStream stream cannot be set up.',
  MW_AGENT_ENROLL:
    'The server refused to enroll the agent: the enrollment token is unknown, expired, used up or revoked.',
  MW_CAPTURE_FAILED:
    'Live capture could not start or stopped: tcpdump is missing, the interface does not exist, or no permission.',
  MW_INTERNAL: 'A bug: something that should not happen did. Please report it with the message.',
} as const;

export const WARNING_CODES = {
  MW_W_PROC_VANISHED: 'A process exited between listing and reading; it was skipped.',
  MW_W_PROC_UNREADABLE:
    'A /proc entry could not be read (permissions or a hardened /proc); fields were left empty.',
  MW_W_PROC_MALFORMED:
    'A /proc file had content that does not parse; the entry was skipped or the field left empty.',
  MW_W_NET_MALFORMED: 'A line of /proc/net/{tcp,udp}[6] did not parse and was skipped.',
  MW_W_NET_UNREADABLE: 'A /proc/net table could not be read; sockets of that kind are missing.',
  MW_W_HASH_SKIPPED: 'An executable was not hashed (over the size cap, or unreadable).',
  MW_W_NOT_ROOT: "Running without root: other users' processes, sockets and executables are partly hidden.",
  MW_W_POSTURE_SKIPPED:
    'A posture input object could not be read (malformed spec); it was skipped, not passed.',
  MW_W_SUPPRESSION_EXPIRED:
    'A suppression is past its expiry date; the findings it matched are reported again.',
  MW_W_VULNDB_SKIPPED: 'An advisory file was not valid OSV (or not JSON) and was skipped during import.',
  MW_W_VERSION_UNREADABLE:
    'An installed version or an advisory bound could not be ordered; that match was not decided.',
  MW_W_FILE_UNREADABLE:
    'A file or directory of the persistence sweep could not be read, or a sweep limit was reached.',
  MW_W_EXEC_FALLBACK:
    'The real-time exec source could not start; falling back to /proc polling, which misses short-lived processes.',
  MW_W_EVENT_UNKNOWN_FIELD:
    'An event named a field the field table does not know; it is kept for keyword search only.',
  MW_W_SIGMA_DUPLICATE_ID: 'Two Sigma rules share an id; both are loaded, correlations use the first.',
  MW_W_SIGMA_CORRELATION_EVICTED:
    'A Sigma correlation reached a state cap (open groups, or observations in one group); the least recently active groups or oldest observations were dropped, so hits may be missed.',
  MW_W_LOG_SKIPPED:
    'Log lines were skipped: over the line limit, binary, or a failure no address could be attributed to; the summary counts each kind.',
  MW_W_INTEL_SKIPPED:
    'Pool-list lines held no usable domain, IP or CIDR (URL paths, cosmetic filters, single labels) and were skipped.',
  MW_W_JOURNAL_UNAVAILABLE:
    'journalctl could not be run or read (no systemd journal here, or no permission).',
  MW_W_PCAP_TRUNCATED:
    'A capture ends inside a record; the partial record was skipped and everything before it analyzed.',
  MW_W_PCAP_SKIPPED:
    'Capture records or packets were skipped (malformed, empty, cut short by the snaplen, unknown link type, over-long lines); the message counts each kind.',
  MW_W_CLOUD_SKIPPED:
    'Cloud log records were skipped (malformed, over the size limit, an unknown format version, another record kind) or a file was read only in part (decompression bomb, damaged gzip); the message counts each kind and names the first lines.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
export type WarningCode = keyof typeof WARNING_CODES;

/** Where in an input a problem sits; every part optional, the more the better. */
export interface Location {
  file?: string;
  line?: number;
  field?: string;
}

export function formatLocation(loc: Location | undefined): string {
  if (!loc) return '';
  const parts: string[] = [];
  if (loc.file) parts.push(loc.line !== undefined ? `${loc.file}:${loc.line}` : loc.file);
  else if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  if (loc.field) parts.push(`field ${loc.field}`);
  return parts.join(', ');
}

export class MinewardenError extends Error {
  readonly code: ErrorCode;
  readonly location: Location | undefined;

  constructor(code: ErrorCode, message: string, location?: Location, options?: { cause?: unknown }) {
    const where = formatLocation(location);
    super(where ? `${where}: ${message}` : message, options);
    this.name = 'MinewardenError';
    this.code = code;
    this.location = location;
  }

  /** Usage and input errors exit 2; see DESIGN's exit-code contract. */
  get exitCode(): number {
    return this.code === 'MW_INTERNAL' ? 3 : 2;
  }
}

/** A problem that did not stop the work: something was skipped or could not be seen. */
export interface Warning {
  code: WarningCode;
  message: string;
  path?: string;
}

/**
 * Collects warnings without flooding: one warning per (code, path), and past `limit` only a count is kept, so a
 * hostile /proc with a million bad entries cannot exhaust memory through its own error reports.
 */
export class WarningSink {
  readonly items: Warning[] = [];
  private readonly seen = new Set<string>();
  private suppressed = 0;

  constructor(private readonly limit = 1000) {}

  add(code: WarningCode, message: string, path?: string): void {
    const key = `${code}\u0000${path ?? message}`;
    if (this.seen.has(key)) return;
    if (this.items.length >= this.limit) {
      this.suppressed++;
      return;
    }
    this.seen.add(key);
    this.items.push(path === undefined ? { code, message } : { code, message, path });
  }

  get dropped(): number {
    return this.suppressed;
  }
}
