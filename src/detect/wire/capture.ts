import { basename } from 'node:path';
import type { PoolIntel } from '../../intel/pools/index.js';
import type { Warning } from '../../model/errors.js';
import type { Finding } from '../../model/finding.js';
import type { HostRef } from '../../model/host.js';
import { type CaptureSummary, readCaptureFile } from '../../sources/pcap/index.js';
import { walkCaptureNative } from '../../sources/pcap/native-walk.js';
import { WireAnalyzer, type WireStats } from './analyzer.js';

export interface CaptureReport {
  file: string;
  format: string;
  findings: Finding[];
  warnings: Warning[];
  capture: CaptureSummary;
  wire: WireStats;
  findingsDropped: number;
  /** Which packet walk ran: the native addon, or JavaScript (then `walkNote` says why not the addon). */
  walk: 'native' | 'js';
  walkNote?: string;
}

export interface CaptureOptions {
  intel: PoolIntel | null;
  minerPorts?: ReadonlySet<number>;
  maxFlows?: number;
  /** Findings name the capture as their host unless one is given. */
  host?: HostRef;
  /** 'auto' (default): the native walk when the addon is built and FILE is a regular file; 'js': always JS. */
  walk?: 'auto' | 'js';
}

const DEFAULT_MAX_FLOWS = 100_000;

/**
 * The one place a capture file meets the wire analyzer: walk it (natively when possible, else in chunks in JS),
 * analyze, say what was skipped. Both walks give the same findings, counts and warnings.
 */
export async function analyzeCaptureFile(file: string, opts: CaptureOptions): Promise<CaptureReport> {
  const maxFlows = opts.maxFlows ?? DEFAULT_MAX_FLOWS;
  const newAnalyzer = () =>
    new WireAnalyzer({
      host: opts.host ?? { id: `pcap:${basename(file)}`, name: file },
      intel: opts.intel,
      ...(opts.minerPorts ? { minerPorts: opts.minerPorts } : {}),
      maxFlows,
    });
  let walkNote = 'JS walk requested';
  if (opts.walk !== 'js') {
    const analyzer = newAnalyzer();
    const r = await walkCaptureNative(file, maxFlows, analyzer);
    if (r.walked) {
      analyzer.finishNative(r.counts);
      return report(file, r.summary, analyzer, 'native');
    }
    walkNote = r.reason;
  }
  const analyzer = newAnalyzer();
  const capture = await readCaptureFile(file, analyzer.onPacket);
  return { ...report(file, capture, analyzer, 'js'), walkNote };
}

function report(
  file: string,
  capture: CaptureSummary,
  analyzer: WireAnalyzer,
  walk: CaptureReport['walk'],
): CaptureReport {
  return {
    file,
    format: capture.format,
    findings: analyzer.findings(),
    warnings: captureWarnings(capture, analyzer.stats, analyzer.findingsDropped),
    capture,
    wire: analyzer.stats,
    findingsDropped: analyzer.findingsDropped,
    walk,
  };
}

/** Skips and truncation as warnings with counts: one line each, naming the file. */
export function captureWarnings(c: CaptureSummary, w: WireStats, findingsDropped: number): Warning[] {
  const out: Warning[] = [];
  if (c.truncated)
    out.push({
      code: 'MW_W_PCAP_TRUNCATED',
      message: `input ends inside the record at byte offset ${c.truncated.offset} (${c.truncated.missing} bytes missing); that record was skipped`,
      path: c.source,
    });
  const parts: string[] = [];
  const s = c.stats;
  if (s.malformed) parts.push(`${s.malformed} malformed records`);
  if (s.zeroLength) parts.push(`${s.zeroLength} zero-length packets`);
  for (const [link, n] of s.unsupportedLink) parts.push(`${n} packets of unsupported link type ${link}`);
  if (w.short) parts.push(`${w.short} packets cut inside their headers (snaplen too short or bad lengths)`);
  if (w.cutLines) parts.push(`${w.cutLines} JSON-RPC lines over the line limit (classified by their start)`);
  if (w.streamGaps) parts.push(`${w.streamGaps} TCP stream gaps (lost or reordered segments)`);
  if (findingsDropped) parts.push(`${findingsDropped} findings over the memory bound`);
  if (parts.length) out.push({ code: 'MW_W_PCAP_SKIPPED', message: parts.join(', '), path: c.source });
  return out;
}
