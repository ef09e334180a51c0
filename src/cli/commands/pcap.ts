import { hostname } from 'node:os';
import { type Command, Option } from 'commander';
import {
  analyzeCaptureFile,
  captureWarnings,
  tuneV8ForBatchAnalysis,
  WireAnalyzer,
} from '../../detect/wire/index.js';
import { loadMinerPorts } from '../../intel/miner-ports.js';
import { loadBuiltinPoolIntel } from '../../intel/pools/builtin.js';
import { MinewardenError, type Warning } from '../../model/errors.js';
import type { Finding } from '../../model/finding.js';
import { renderFindingsReport } from '../../report/findings.js';
import { startLiveCapture } from '../../sources/pcap/index.js';
import { exitCodeFor } from '../exit.js';
import { type CommonOptions, parsePositiveInt, withCommonOptions } from '../options.js';

interface PcapCliOptions extends CommonOptions {
  live?: string;
  filter?: string;
  summaryInterval: number;
  duration?: number;
  maxFlows: number;
  verbose: boolean;
}

async function analyzeFiles(files: readonly string[], o: PcapCliOptions): Promise<void> {
  if (files.length === 0)
    throw new MinewardenError('MW_USAGE', 'give one or more capture FILEs, or --live IFACE');
  tuneV8ForBatchAnalysis(files);
  const intel = loadBuiltinPoolIntel();
  const minerPorts = new Set(loadMinerPorts().keys());
  const findings: Finding[] = [];
  const warnings: Warning[] = [];
  const captures: Record<string, unknown>[] = [];
  for (const file of files) {
    const r = await analyzeCaptureFile(file, { intel, minerPorts, maxFlows: o.maxFlows });
    if (o.verbose)
      process.stderr.write(
        `${file}: ${r.format}, ${r.walk === 'native' ? 'native packet walk' : `JavaScript packet walk (${r.walkNote ?? 'no reason given'})`}\n`,
      );
    findings.push(...r.findings);
    warnings.push(...r.warnings);
    captures.push({
      file,
      format: r.format,
      bytes: r.capture.bytesRead,
      packets: r.capture.stats.packets,
      tcpFlows: r.wire.flows,
      dnsMessages: r.wire.dnsMessages,
      findings: r.findings.length,
    });
  }
  const summary = {
    files: files.length,
    packets: captures.reduce((a, c) => a + Number(c['packets']), 0),
    findings: findings.length,
    intel: { version: intel.version, date: intel.date },
  };
  const format = o.format === 'sarif' ? 'json' : o.format;
  process.stdout.write(renderFindingsReport({ findings, warnings, summary, extra: { captures } }, format));
  process.exitCode = exitCodeFor(findings, o.failOn);
}

function printLive(f: Finding, format: CommonOptions['format']): void {
  if (format === 'table') {
    const ev = f.evidence;
    const extra = [ev['protocol'], ev['agent'], ev['login']].filter((x) => typeof x === 'string').join(' ');
    process.stdout.write(
      `${f.time} ${f.severity.toUpperCase()} ${f.ruleId} ${f.entity.name ?? f.entity.ip ?? ''} ${extra}\n`,
    );
  } else process.stdout.write(`${JSON.stringify({ type: 'finding', ...f })}\n`);
}

/** Runs the wire detectors on an interface until SIGINT/SIGTERM or --duration, printing findings as they happen. */
async function live(iface: string, o: PcapCliOptions): Promise<void> {
  const host = { id: hostname(), name: hostname() };
  const all: Finding[] = [];
  const analyzer = new WireAnalyzer({
    host,
    intel: loadBuiltinPoolIntel(),
    minerPorts: new Set(loadMinerPorts().keys()),
    maxFlows: o.maxFlows,
    // Gateways run for weeks: close idle flows sooner than offline analysis does.
    idleMs: 5 * 60_000,
    onFinding: (f) => {
      all.push(f);
      printLive(f, o.format);
    },
  });
  const capture = await startLiveCapture(
    { iface, ...(o.filter ? { filter: o.filter } : {}) },
    analyzer.onPacket,
  );
  const summarize = (final: boolean): void => {
    analyzer.flushPending();
    const s = analyzer.stats;
    const mining = analyzer.miningFlows();
    const line = {
      type: 'summary',
      final,
      interface: iface,
      packets: s.packets,
      tcpFlows: s.flows,
      openFlows: analyzer.flows.size,
      flowsEvicted: s.flowsEvicted,
      dnsMessages: s.dnsMessages,
      findings: all.length,
      miningFlows: mining.map((m) => ({ flow: m.tuple, protocol: m.protocol, packets: m.packets })),
    };
    if (o.format === 'table')
      process.stderr.write(
        `[${iface}] ${s.packets} packets, ${analyzer.flows.size} open flows, ${mining.length} mining: ${mining.map((m) => `${m.tuple} ${m.protocol} (${m.packets} pkts)`).join('; ')}\n`,
      );
    else process.stdout.write(`${JSON.stringify(line)}\n`);
  };
  const timer = setInterval(() => summarize(false), o.summaryInterval * 1000);
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (o.duration) setTimeout(resolve, o.duration * 1000).unref();
  });
  try {
    await Promise.race([stopped, capture.done]);
    const end = await capture.stop();
    const warnings = captureWarnings(end.summary, analyzer.stats, analyzer.findingsDropped);
    if (end.kernelDropped)
      warnings.push({
        code: 'MW_W_PCAP_SKIPPED',
        message: `${end.kernelDropped} packets dropped by the kernel (analysis fell behind)`,
        path: iface,
      });
    summarize(true);
    for (const w of warnings) process.stderr.write(`warning ${w.code}: ${w.message} (${w.path ?? iface})\n`);
  } finally {
    clearInterval(timer);
  }
  process.exitCode = exitCodeFor(all, o.failOn);
}

export function registerPcap(program: Command): void {
  withCommonOptions(
    program
      .command('pcap')
      .description('find pool mining in packet captures (stratum, Monero, eth-proxy, getwork, pool DNS/TLS)')
      .argument('[files...]', 'pcap or pcapng files'),
  )
    .option('--live <iface>', 'capture on this interface (tcpdump or dumpcap) and report as traffic passes')
    .option('--filter <bpf>', 'with --live: a BPF filter for the capture tool')
    .addOption(
      new Option('--summary-interval <seconds>', 'with --live: print flow summaries this often')
        .default(30)
        .argParser(parsePositiveInt('--summary-interval')),
    )
    .addOption(
      new Option('--duration <seconds>', 'with --live: stop after this long').argParser(
        parsePositiveInt('--duration'),
      ),
    )
    .addOption(
      new Option('--max-flows <n>', 'flow table bound (memory); idle flows are closed out beyond it')
        .default(100_000)
        .argParser(parsePositiveInt('--max-flows')),
    )
    .option(
      '-v, --verbose',
      'say on stderr how each capture file was read (native or JavaScript packet walk)',
      false,
    )
    .action(async (files: string[], opts: PcapCliOptions) => {
      if (opts.live) {
        if (files.length > 0)
          throw new MinewardenError('MW_USAGE', 'give capture FILEs or --live IFACE, not both');
        await live(opts.live, opts);
      } else await analyzeFiles(files, opts);
    });
}
