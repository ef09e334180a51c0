import { stat } from 'node:fs/promises';
import { MinewardenError } from '../../model/errors.js';
import type { TelemetryEvent } from '../../model/event.js';
import { type ByteLineSink, ByteLineSplitter, readChunks } from './byte-lines.js';
import { parseJournalLine } from './journal.js';
import { DEFAULT_MAX_LINE, type LineStats } from './lines.js';
import { MarkerScan } from './markers.js';
import {
  type AuthLogWalk,
  loadAuthLogWalk,
  W_END,
  W_MARKED,
  W_START,
  W_STATUS,
  WALK_JS,
  WALK_RECORD,
} from './native-walk.js';
import { AuthLogParser, type AuthParseStats } from './parser.js';
import type { AuthRecordSink } from './record.js';

export interface ReadAuthLogOptions {
  hostId?: string;
  /** Default 64 KiB: longer lines are skipped and counted. */
  maxLineLength?: number;
  /** 'auto' tells journal JSON (`journalctl -o json`) from syslog text by the first character of each line. */
  format?: 'auto' | 'syslog' | 'journal';
  /**
   * Sees each syslog line first: an event (or null, to drop it) means the line was another source's (a DNS
   * query log interleaved in the same syslog file); undefined hands it on to the auth parser.
   */
  divert?: (line: string) => TelemetryEvent | null | undefined;
  /**
   * With `divert`: only lines whose bytes hold one of these ASCII strings are decoded and shown to it; the rest go
   * to the auth parser as bytes (most never decoded). Give it only when `divert` answers undefined for every line
   * without them.
   */
  divertMarkers?: readonly string[];
  /** Auth attempts go here as records instead of events (see `AuthParseOptions.records`). */
  records?: AuthRecordSink;
  /**
   * With `records`: let the native line walk (native/authlog_walk.cc) read the lines when it is built (default
   * true); the records and counts are the same either way.
   */
  native?: boolean;
}

export interface AuthLogReadStats extends AuthParseStats {
  file: string;
}

/** Auth events from one log file (plain or gzip), in file order; stats are complete once iteration ends. */
export async function* readAuthLogFile(
  file: string,
  opts: ReadAuthLogOptions = {},
  statsOut?: (s: AuthLogReadStats) => void,
): AsyncGenerator<TelemetryEvent> {
  for await (const batch of readAuthLogBatches(file, opts, statsOut)) yield* batch;
}

/**
 * The same events in batches, one per chunk read: awaiting once per batch instead of once per event is a large
 * part of the cost on big files (bench/logs).
 */
export async function* readAuthLogBatches(
  file: string,
  opts: ReadAuthLogOptions = {},
  statsOut?: (s: AuthLogReadStats) => void,
): AsyncGenerator<TelemetryEvent[]> {
  let mtimeMs: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new MinewardenError('MW_INPUT_UNREADABLE', 'not a regular file', { file });
    mtimeMs = st.mtimeMs;
  } catch (err) {
    if (err instanceof MinewardenError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new MinewardenError(
      code === 'ENOENT' ? 'MW_INPUT_NOT_FOUND' : 'MW_INPUT_UNREADABLE',
      String(code),
      { file },
    );
  }
  const maxLine = opts.maxLineLength ?? DEFAULT_MAX_LINE;
  const parser = new AuthLogParser({
    referenceTime: mtimeMs,
    maxLineLength: maxLine,
    ...(opts.hostId ? { hostId: opts.hostId } : {}),
    ...(opts.records ? { records: opts.records } : {}),
  });
  const lineStats: LineStats = { tooLong: 0 };
  const markers =
    opts.divert !== undefined && opts.divertMarkers !== undefined
      ? new MarkerScan(opts.divertMarkers)
      : undefined;
  const format = opts.format ?? 'auto';
  const walk =
    opts.records !== undefined && opts.native !== false && format !== 'journal' ? loadAuthLogWalk() : null;
  const sink = new EventSink(parser, format, opts.divert, markers, walk);
  const splitter = new ByteLineSplitter(maxLine, lineStats);
  try {
    // Batches of a few hundred events: the events of a batch are alive together while the consumer works through
    // them, and whatever is alive at a young-generation GC gets copied; a whole chunk's worth made GC the largest
    // cost of bench/logs.
    const full = () => sink.size() >= BATCH;
    for await (const chunk of readChunks(file)) {
      splitter.begin(chunk);
      markers?.begin(chunk);
      let more = true;
      while (more) {
        more = splitter.pump(sink, full);
        const out = sink.take();
        if (out.length > 0) yield out;
      }
    }
    splitter.end(sink);
    const out = sink.take();
    if (out.length > 0) yield out;
  } catch (err) {
    if (err instanceof MinewardenError) throw err;
    throw new MinewardenError('MW_INPUT_UNREADABLE', (err as Error).message, { file }, { cause: err });
  } finally {
    parser.finish();
    const s = { ...parser.stats, file };
    s.lines += lineStats.tooLong;
    s.skippedLong += lineStats.tooLong;
    statsOut?.(s);
  }
}

const BATCH = 256;

/** Turns lines into events for one read: journal JSON or syslog text, after the optional divert. */
class EventSink implements ByteLineSink {
  private out: TelemetryEvent[] = [];

  /** The native walk's records of the lines it read last (reused). */
  private readonly walked = new Int32Array(WALK_RECORD * 1024);

  constructor(
    private readonly parser: AuthLogParser,
    private readonly format: 'auto' | 'syslog' | 'journal',
    private readonly divert: ReadAuthLogOptions['divert'],
    private readonly markers: MarkerScan | undefined,
    private readonly walk: AuthLogWalk | null,
  ) {
    if (walk === null) this.lines = undefined;
  }

  /**
   * Lines in bulk through the native walk: each is then what `line` would make of it, with the bytes already read
   * for the lines that need no string (most of a log). Lines a divert marker is in, and those the walk leaves to
   * JS, go through `line`.
   */
  lines?(buf: Buffer, from: number, maxLine: number, stats: LineStats): number {
    const walk = this.walk as AuthLogWalk;
    const w = this.walked;
    const markers = this.markers;
    // The walk checks the divert markers itself when it can (the same answer as markers.has, in one pass per line).
    const spec = markers?.spec();
    const n = walk(buf, from, buf.length, maxLine, w, spec);
    if (n === 0) return from;
    const divert = this.divert !== undefined;
    for (let k = 0, o = 0; k < n; k++, o += WALK_RECORD) {
      const start = w[o + W_START] as number;
      const end = w[o + W_END] as number;
      if (end - start > maxLine) stats.tooLong++;
      else if (
        w[o + W_STATUS] === WALK_JS ||
        (divert &&
          (markers === undefined ||
            (spec === undefined ? markers.has(buf, start, end) : w[o + W_MARKED] === 1)))
      )
        this.line(buf, start, end);
      else this.parser.parseWalked(buf, w, o, this.out);
    }
    return (w[(n - 1) * WALK_RECORD + W_END] as number) + 1;
  }

  size(): number {
    return this.out.length;
  }

  take(): TelemetryEvent[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  line(buf: Buffer, start: number, end: number): void {
    const out = this.out;
    let decoded: string | undefined;
    if (this.divert !== undefined && (this.markers === undefined || this.markers.has(buf, start, end))) {
      decoded = buf.toString('utf8', start, end);
      const other = this.divert(decoded);
      if (other !== undefined) {
        if (other !== null) out.push(other);
        return;
      }
    }
    if (this.format === 'journal' || (this.format === 'auto' && buf[start] === 123)) {
      for (const e of parseJournalLine(this.parser, decoded ?? buf.toString('utf8', start, end))) out.push(e);
      return;
    }
    this.parser.parseBytes(buf, start, end, out, decoded);
  }
}
