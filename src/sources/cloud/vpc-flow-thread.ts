import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { type ErrorCode, MinewardenError } from '../../model/errors.js';
import type { TelemetryEvent } from '../../model/event.js';
import { ACTION_NONE, DIRECTION_NONE, type FlowRecord, nextSeq } from './flow-record.js';
import { type HostMapInput, HostResolver } from './hosts.js';
import type { ByteSourceOptions } from './input.js';
import { openInput } from './input.js';
import { ByteLineSplitter } from './lines.js';
import { type CloudReadStats, newStats, noteProblem } from './stats.js';
import { type FlowSink, VpcFlowLineParser } from './vpc-flow.js';

/**
 * VPC flow log text read on a second thread: the reader thread splits and parses lines into records (numbers) and
 * hands them over in batches, one per input chunk, with the chunk's bytes; this thread runs the rules on them in file
 * order. Same records, same order, so the same findings as reading on one thread; the two halves of the work overlap
 * when a second core is free. A rule that reports on a record gets its event from the line's bytes, parsed here.
 */

/** Numbers per record in a batch. */
const W = 15;
const HOST = 0;
const TIME = 1;
const END = 2;
const SRC = 3;
const DST = 4;
const BITS = 5;
const SPORT = 6;
const DPORT = 7;
const PACKETS = 8;
const BYTES = 9;
const ACTION = 10;
const DIRECTION = 11;
const LINE_FROM = 12;
const LINE_TO = 13;
/** 0: the line is in the batch's chunk; 1 + i: in its i-th boundary line. */
const WHERE = 14;
/** Batches the reader may run ahead: bounds memory at a few chunks whatever the file size. */
const AHEAD = 4;

interface Batch {
  type: 'batch';
  chunk: Uint8Array;
  /** Lines that crossed a chunk boundary (or the last line without a newline), as their own bytes. */
  boundary: Uint8Array[];
  recs: Float64Array;
  count: number;
  /** Host ids first seen in this batch: index -> id. */
  hosts: [number, string][];
  fields: readonly string[];
}
type FromReader =
  | Batch
  | { type: 'json' }
  | { type: 'done'; stats: CloudReadStats }
  | { type: 'error'; code: ErrorCode | null; message: string; location: MinewardenError['location'] | null };

interface Job {
  file: string;
  hosts: HostMapInput;
  fields: readonly string[] | undefined;
  maxLine: number;
  bytes: ByteSourceOptions;
  /** Int32: batches sent and not yet taken. */
  credits: SharedArrayBuffer;
}

/** The compiled reader thread module; absent when running from TypeScript sources (tests), then reading stays here. */
const workerFile = (() => {
  const url = new URL(import.meta.url);
  return url.pathname.endsWith('.js') ? fileURLToPath(url) : null;
})();

export function readerThreadAvailable(): boolean {
  return workerFile !== null && existsSync(workerFile);
}

/** Plain or gzip files this large are worth a thread: below it, starting one costs more than it saves. */
export const THREAD_MIN_BYTES = 16 << 20;

export async function worthAThread(file: string): Promise<boolean> {
  if (!readerThreadAvailable()) return false;
  try {
    return (await stat(file)).size >= THREAD_MIN_BYTES;
  } catch {
    return false;
  }
}

/** A record of a batch, refilled in place for each. */
class BatchRecord implements FlowRecord {
  seq = 0;
  readonly source = 'aws-vpc-flow';
  hostId = '';
  time = 0;
  end = 0;
  src = 0;
  dst = 0;
  srcPublic = false;
  dstPublic = false;
  sport = -1;
  dport = -1;
  tcp = false;
  packets = 0;
  bytes = 0;
  replyPackets = 0;
  replyBytes = 0;
  action = ACTION_NONE;
  direction = DIRECTION_NONE;
  remoteService = false;
  local = 0;
  remote = 0;
  localPort = -1;
  remotePort = -1;
  remotePublic = false;
  fromLocal = true;
  localInitiated = true;
  lineBytes: Uint8Array = new Uint8Array(0);
  lineFrom = 0;
  lineTo = 0;

  constructor(private readonly reparse: (r: BatchRecord) => TelemetryEvent) {}

  srcText(): string {
    return String(this.event().fields['source.ip']);
  }

  dstText(): string {
    return String(this.event().fields['destination.ip']);
  }

  private cachedSeq = -1;
  private cached: TelemetryEvent | null = null;

  event(): TelemetryEvent {
    if (this.cachedSeq !== this.seq || !this.cached) {
      this.cached = this.reparse(this);
      this.cachedSeq = this.seq;
    }
    return this.cached;
  }
}

/**
 * Reads one VPC flow log file on a reader thread, records to `onFlow`. Returns null when the file turns out to be a
 * CloudWatch Logs JSON export (read those on this thread: they are small and already split into records).
 */
export async function readVpcFlowFileThreaded(
  file: string,
  onFlow: FlowSink,
  o: ByteSourceOptions & { hosts?: HostResolver; fields?: readonly string[]; maxLine?: number },
): Promise<CloudReadStats | null> {
  if (!workerFile) throw new MinewardenError('MW_INTERNAL', 'the flow log reader thread is not built');
  const hosts = o.hosts ?? new HostResolver();
  const credits = new SharedArrayBuffer(4);
  const inFlight = new Int32Array(credits);
  const job: Job = {
    file,
    hosts: hosts.input,
    fields: o.fields,
    maxLine: o.maxLine ?? 64 * 1024,
    bytes: {
      ...(o.maxRatio !== undefined ? { maxRatio: o.maxRatio } : {}),
      ...(o.bombMinBytes !== undefined ? { bombMinBytes: o.bombMinBytes } : {}),
    },
    credits,
  };
  const worker = new Worker(workerFile, { workerData: job });
  const hostIds: string[] = [];
  const r = new BatchRecord(reparse);
  let lineParser: VpcFlowLineParser | null = null;
  let lineParserFields = '';
  let captured: TelemetryEvent | null = null;

  function reparse(rec: BatchRecord): TelemetryEvent {
    const buf = Buffer.from(rec.lineBytes.buffer, rec.lineBytes.byteOffset, rec.lineBytes.length);
    lineParser?.parseBytes(rec.lineBytes, buf, rec.lineFrom, rec.lineTo, 0);
    if (!captured) throw new MinewardenError('MW_INTERNAL', 'a flow record did not parse again');
    const e = captured;
    captured = null;
    return e;
  }

  const take = (b: Batch): void => {
    for (const [i, id] of b.hosts) hostIds[i] = id;
    const fields = b.fields.join(' ');
    if (lineParserFields !== fields) {
      lineParserFields = fields;
      lineParser = new VpcFlowLineParser(
        newStats(file, 'aws-vpc-flow'),
        (e: TelemetryEvent) => {
          captured = e;
        },
        hosts,
        b.fields,
      ).skipHeader();
    }
    const v = b.recs;
    for (let k = 0; k < b.count; k++) {
      const o = k * W;
      const bits = v[o + BITS] as number;
      r.seq = nextSeq();
      r.hostId = hostIds[v[o + HOST] as number] as string;
      r.time = v[o + TIME] as number;
      r.end = v[o + END] as number;
      r.src = v[o + SRC] as number;
      r.dst = v[o + DST] as number;
      r.srcPublic = (bits & 1) !== 0;
      r.dstPublic = (bits & 2) !== 0;
      r.tcp = (bits & 4) !== 0;
      r.remoteService = (bits & 8) !== 0;
      r.sport = v[o + SPORT] as number;
      r.dport = v[o + DPORT] as number;
      r.packets = v[o + PACKETS] as number;
      r.bytes = v[o + BYTES] as number;
      r.action = v[o + ACTION] as number;
      r.direction = v[o + DIRECTION] as number;
      const where = v[o + WHERE] as number;
      r.lineBytes = where === 0 ? b.chunk : (b.boundary[where - 1] as Uint8Array);
      r.lineFrom = v[o + LINE_FROM] as number;
      r.lineTo = v[o + LINE_TO] as number;
      onFlow(r);
    }
  };

  try {
    return await new Promise<CloudReadStats | null>((resolve, reject) => {
      worker.on('message', (m: FromReader) => {
        try {
          if (m.type === 'batch') {
            take(m);
            Atomics.sub(inFlight, 0, 1);
            Atomics.notify(inFlight, 0);
          } else if (m.type === 'done') resolve(m.stats);
          else if (m.type === 'json') resolve(null);
          else {
            const err = m.code
              ? new MinewardenError(m.code, '', m.location ?? undefined)
              : new MinewardenError('MW_INTERNAL', '');
            err.message = m.message;
            reject(err);
          }
        } catch (err) {
          reject(err);
        }
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (code !== 0)
          reject(new MinewardenError('MW_INTERNAL', `flow log reader thread exited with ${code}`));
      });
    });
  } finally {
    // Unblock a reader waiting for credits before ending it.
    Atomics.store(inFlight, 0, -AHEAD);
    Atomics.notify(inFlight, 0);
    await worker.terminate();
  }
}

/** The reader thread: reads, splits and parses the file, posting a batch per chunk. */
async function readerThread(job: Job): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const inFlight = new Int32Array(job.credits);
  try {
    const input = await openInput(job.file, job.bytes);
    if (input.first === 0x7b || input.first === 0x5b) {
      port.postMessage({ type: 'json' } satisfies FromReader);
      return;
    }
    const stats = newStats(job.file, 'aws-vpc-flow');
    const hosts = new HostResolver(job.hosts);
    const hostIndex = new Map<string, number>();
    let newHosts: [number, string][] = [];
    let recs = new Float64Array(W * 16384);
    let count = 0;
    let chunk: Buffer = Buffer.alloc(0);
    let boundary: Uint8Array[] = [];
    const sink: FlowSink = (rec) => {
      if ((count + 1) * W > recs.length) {
        const bigger = new Float64Array(recs.length * 2);
        bigger.set(recs);
        recs = bigger;
      }
      let h = hostIndex.get(rec.hostId);
      if (h === undefined) {
        h = hostIndex.size;
        hostIndex.set(rec.hostId, h);
        newHosts.push([h, rec.hostId]);
      }
      const o = count * W;
      recs[o + HOST] = h;
      recs[o + TIME] = rec.time;
      recs[o + END] = rec.end;
      recs[o + SRC] = rec.src;
      recs[o + DST] = rec.dst;
      recs[o + BITS] =
        (rec.srcPublic ? 1 : 0) | (rec.dstPublic ? 2 : 0) | (rec.tcp ? 4 : 0) | (rec.remoteService ? 8 : 0);
      recs[o + SPORT] = rec.sport;
      recs[o + DPORT] = rec.dport;
      recs[o + PACKETS] = rec.packets;
      recs[o + BYTES] = rec.bytes;
      recs[o + ACTION] = rec.action;
      recs[o + DIRECTION] = rec.direction;
      recs[o + LINE_FROM] = lineFrom;
      recs[o + LINE_TO] = lineTo;
      recs[o + WHERE] = lineWhere;
      count++;
    };
    const parser = new VpcFlowLineParser(stats, sink, hosts, job.fields, true);
    let lineFrom = 0;
    let lineTo = 0;
    let lineWhere = 0;
    const lines = new ByteLineSplitter((bytes, buf, start, end, n) => {
      if (buf === chunk) {
        lineWhere = 0;
        lineFrom = start;
        lineTo = end;
      } else {
        // A line put together across chunks: it travels on its own.
        boundary.push(bytes.slice(start, end));
        lineWhere = boundary.length;
        lineFrom = 0;
        lineTo = end - start;
      }
      parser.parseBytes(bytes, buf, start, end, n);
    }, job.maxLine);
    const send = (): void => {
      if (count === 0 && newHosts.length === 0) {
        boundary = [];
        return;
      }
      while (Atomics.load(inFlight, 0) >= AHEAD) Atomics.wait(inFlight, 0, Atomics.load(inFlight, 0), 1000);
      Atomics.add(inFlight, 0, 1);
      const copy = new Uint8Array(chunk);
      const out = recs.slice(0, count * W);
      const b: Batch = {
        type: 'batch',
        chunk: copy,
        boundary,
        recs: out,
        count,
        hosts: newHosts,
        fields: parser.fieldNames,
      };
      port.postMessage(b, [copy.buffer, out.buffer, ...boundary.map((x) => x.buffer as ArrayBuffer)]);
      count = 0;
      newHosts = [];
      boundary = [];
    };
    for await (const c of input.chunks) {
      chunk = c;
      lines.push(c);
      send();
    }
    chunk = Buffer.alloc(0);
    lines.end();
    send();
    stats.skipped.tooLarge += lines.tooLong;
    if (lines.tooLong) noteProblem(stats, 0, `${lines.tooLong} line(s) over the line limit skipped`);
    stats.gzip = input.bytes.gzip;
    stats.bytesRead = input.bytes.bytesIn;
    stats.cutOff = input.bytes.cutOff;
    port.postMessage({ type: 'done', stats } satisfies FromReader);
  } catch (err) {
    port.postMessage({
      type: 'error',
      code: err instanceof MinewardenError ? err.code : null,
      message: err instanceof Error ? err.message : String(err),
      location: err instanceof MinewardenError ? (err.location ?? null) : null,
    } satisfies FromReader);
  }
}

if (!isMainThread && (workerData as Job | undefined)?.credits instanceof SharedArrayBuffer)
  void readerThread(workerData as Job);
