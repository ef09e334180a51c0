import type { HostResolver } from './hosts.js';
import { type ByteSourceOptions, openInput } from './input.js';
import { readJsonRecords } from './json-records.js';
import { ByteLineSplitter } from './lines.js';
import { type CloudReadStats, newStats, noteProblem } from './stats.js';
import { type EventSink, type FlowSink, VpcFlowLineParser } from './vpc-flow.js';

export interface VpcFlowOptions extends ByteSourceOptions {
  hosts?: HostResolver;
  /** The log's field list when the records come without a header (CloudWatch Logs, custom formats). */
  fields?: readonly string[];
  maxLine?: number;
  /** Records go here as FlowRecords instead of events (the fast path of `cloudlogs`). */
  onFlow?: FlowSink;
}

/**
 * Reads one VPC flow log file: text as delivered to S3 (header line, plain or gzip) or a CloudWatch Logs JSON export
 * (`aws logs filter-log-events`/`get-log-events` output, subscription payloads) whose messages are records.
 * Records go to `o.onFlow` when given (no event is built unless a rule asks), else to `onEvent` as events.
 */
export async function readVpcFlowFile(
  file: string,
  onEvent: EventSink,
  o: VpcFlowOptions = {},
): Promise<CloudReadStats> {
  const isJson = (first: number) => first === 0x7b || first === 0x5b;
  // The line splitter copies the piece of a line it carries over, and records are valid only during their call:
  // text is read into two buffers taken in turn.
  const input = await openInput(file, o, (first) => !isJson(first));
  const json = isJson(input.first);
  const stats = newStats(file, json ? 'aws-vpc-flow-cloudwatch' : 'aws-vpc-flow');
  try {
    const parser = o.onFlow
      ? new VpcFlowLineParser(stats, o.onFlow, o.hosts, o.fields, true)
      : new VpcFlowLineParser(stats, onEvent, o.hosts, o.fields);
    if (json) {
      await readJsonRecords(
        input.chunks,
        stats,
        (value, line) => {
          const message = (value as { message?: unknown } | null)?.message;
          if (typeof message !== 'string') {
            stats.skipped.other++;
            noteProblem(stats, line, 'a CloudWatch Logs event without a message string');
            return;
          }
          parser.parse(message.trim(), line);
        },
        o,
      );
    } else {
      const lines = new ByteLineSplitter(
        (bytes, buf, start, end, n) => parser.parseBytes(bytes, buf, start, end, n),
        o.maxLine ?? 64 * 1024,
      );
      for await (const chunk of input.chunks) lines.push(chunk);
      lines.end();
      stats.skipped.tooLarge += lines.tooLong;
      if (lines.tooLong) noteProblem(stats, 0, `${lines.tooLong} line(s) over the line limit skipped`);
    }
  } finally {
    await input.close();
  }
  stats.gzip = input.bytes.gzip;
  stats.bytesRead = input.bytes.bytesIn;
  stats.cutOff = input.bytes.cutOff;
  return stats;
}
