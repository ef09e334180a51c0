/**
 * Streams the records out of JSON as cloud providers export it, holding one record at a time:
 * - one array of records (`gcloud logging read --format=json`),
 * - one object whose records sit in a known array member (`{"Records": [...]}` from CloudTrail, `{"records": [...]}`
 *   from Azure, `{"events": [...]}` / `{"logEvents": [...]}` from CloudWatch Logs), with the object's short string
 *   members kept as the envelope (CloudWatch subscription payloads name the log stream there),
 * - several such documents one after another (shippers concatenate them; JSON lines are read line by line instead,
 *   see json-records.ts, so that one broken line costs one record).
 * Each record's bytes go to JSON.parse; a record over `maxRecord` bytes is scanned past, not kept, and counted. We
 * wrote this rather than use a token-streaming parser because records are small and native JSON.parse on each is
 * many times faster than assembling them from tokens, and because the size cap must hold inside a single string.
 */

export const CONTAINER_KEYS: ReadonlySet<string> = new Set([
  'Records',
  'records',
  'events',
  'logEvents',
  'entries',
]);

export interface JsonSplitStats {
  records: number;
  /** Records that are not valid JSON, lines of JSON lines that do not close, stray bytes between documents. */
  malformed: number;
  tooLarge: number;
}

export type JsonRecordHandler = (
  value: unknown,
  line: number,
  envelope: Readonly<Record<string, string>>,
) => void;
export type JsonErrorHandler = (line: number, message: string) => void;

const WS = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0a, 0x0d]) WS[c] = 1;

export class JsonRecordSplitter {
  readonly stats: JsonSplitStats = { records: 0, malformed: 0, tooLarge: 0 };
  private line = 1;
  private depth = 0;
  private inString = false;
  private escape = false;
  /** Depth at which records start: 0 top-level objects, 1 top-level array, 2 inside a container member. */
  private recordDepth = 0;
  private topIsArray = false;
  private inContainer = false;
  private capturing = false;
  private overflow = false;
  private pieces: Buffer[] = [];
  private pieceLen = 0;
  private captureStart = 0;
  private recordLine = 0;
  private topLine = 0;
  // Short strings at depth 1 of a top-level object: member names and envelope values.
  private str: number[] | null = null;
  private lastString: string | null = null;
  private key: string | null = null;
  private envelope: Record<string, string> = {};
  private garbageLine = -1;

  constructor(
    private readonly onRecord: JsonRecordHandler,
    private readonly onError: JsonErrorHandler,
    private readonly maxRecord = 1 << 20,
  ) {}

  push(buf: Buffer): void {
    this.captureStart = 0;
    const n = buf.length;
    for (let i = 0; i < n; i++) {
      const c = buf[i] as number;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === 0x5c) this.escape = true;
        else if (c === 0x22) {
          this.inString = false;
          if (this.str) {
            this.lastString = Buffer.from(this.str).toString('utf8');
            this.str = null;
          }
          continue;
        } else if (c === 0x0a) this.line++;
        if (this.str) {
          if (this.str.length < 256) this.str.push(c);
          else this.str = null;
        }
        continue;
      }
      if (c === 0x0a) {
        this.line++;
        continue;
      }
      if (WS[c]) continue;
      if (this.depth === 0) {
        if (c === 0x7b || c === 0x5b) {
          this.topIsArray = c === 0x5b;
          this.recordDepth = this.topIsArray ? 1 : 0;
          this.topLine = this.line;
          this.envelope = {};
          this.key = null;
        } else if (c === 0xef || c === 0xbb || c === 0xbf || c === 0x2c) continue;
        else {
          if (this.garbageLine !== this.line)
            this.fail(this.line, `unexpected byte 0x${c.toString(16)} between documents`);
          this.garbageLine = this.line;
          continue;
        }
      }
      if (c === 0x7b || c === 0x5b) {
        if (this.depth === this.recordDepth && !this.capturing) {
          if (c === 0x7b) this.begin(i);
          else if (this.recordDepth > 0) this.fail(this.line, 'a record is an array, not an object');
        }
        if (this.depth === 1 && !this.topIsArray && c === 0x5b && this.key && CONTAINER_KEYS.has(this.key)) {
          // A container member: its elements are the records; drop the top object held so far.
          this.inContainer = true;
          this.capturing = false;
          this.pieces = [];
          this.pieceLen = 0;
          this.recordDepth = 2;
        }
        this.depth++;
        continue;
      }
      if (c === 0x7d || c === 0x5d) {
        this.depth--;
        if (this.depth < 0) {
          this.fail(this.line, 'unbalanced closing bracket');
          this.depth = 0;
          continue;
        }
        if (this.depth === this.recordDepth && this.capturing) this.finish(buf, i);
        if (this.depth === 1 && this.inContainer && c === 0x5d) this.recordDepth = -1;
        if (this.depth === 0) {
          this.inContainer = false;
          this.topIsArray = false;
          this.recordDepth = 0;
        }
        continue;
      }
      if (c === 0x22) {
        this.inString = true;
        if (this.depth === 1 && !this.topIsArray) this.str = [];
        continue;
      }
      if (this.depth === 1 && !this.topIsArray) {
        if (c === 0x3a) {
          this.key = this.lastString;
          this.lastString = null;
        } else if (c === 0x2c) {
          if (this.key !== null && this.lastString !== null && this.lastString.length <= 256)
            this.envelope[this.key] = this.lastString;
          this.key = null;
          this.lastString = null;
        }
      }
    }
    if (this.capturing && !this.overflow) this.keep(buf.subarray(this.captureStart));
  }

  end(): void {
    if (this.depth > 0) this.fail(this.topLine, 'input ends inside a JSON document');
    this.resetTop();
  }

  private begin(i: number): void {
    this.capturing = true;
    this.overflow = false;
    this.pieces = [];
    this.pieceLen = 0;
    this.captureStart = i;
    this.recordLine = this.line;
  }

  private keep(b: Buffer): void {
    if (this.pieceLen + b.length > this.maxRecord) {
      this.overflow = true;
      this.pieces = [];
      this.pieceLen = 0;
      return;
    }
    this.pieces.push(Buffer.from(b));
    this.pieceLen += b.length;
  }

  private finish(buf: Buffer, i: number): void {
    this.capturing = false;
    if (!this.overflow) this.keep(buf.subarray(this.captureStart, i + 1));
    if (this.overflow) {
      this.stats.tooLarge++;
      this.overflow = false;
      return;
    }
    const bytes = this.pieces.length === 1 ? (this.pieces[0] as Buffer) : Buffer.concat(this.pieces);
    this.pieces = [];
    this.pieceLen = 0;
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      this.fail(this.recordLine, `not valid JSON (${(err as Error).message})`);
      return;
    }
    this.stats.records++;
    this.onRecord(value, this.recordLine, this.envelope);
  }

  private fail(line: number, message: string): void {
    this.stats.malformed++;
    this.onError(line, message);
  }

  private resetTop(): void {
    this.depth = 0;
    this.inString = false;
    this.escape = false;
    this.capturing = false;
    this.overflow = false;
    this.pieces = [];
    this.pieceLen = 0;
    this.inContainer = false;
    this.topIsArray = false;
    this.recordDepth = 0;
    this.str = null;
  }
}
