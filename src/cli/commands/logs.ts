import { readdirSync } from 'node:fs';
import { type Command, Option } from 'commander';
import type { Detector } from '../../detect/detector.js';
import { dnsPoolQuery } from '../../detect/detectors/dns-pool-query.js';
import { type SshDetectionConfig, sshDetectors } from '../../detect/detectors/ssh-detectors.js';
import { sshRecordSink } from '../../detect/detectors/ssh-records.js';
import { StatefulDetection } from '../../detect/stateful.js';
import { loadBuiltinPoolIntel } from '../../intel/pools/builtin.js';
import { defaultIntelDir } from '../../intel/pools/intel-dir.js';
import { PoolIntel } from '../../intel/pools/pool-intel.js';
import { MinewardenError, type Warning } from '../../model/errors.js';
import type { Finding } from '../../model/finding.js';
import { renderFindingsReport } from '../../report/findings.js';
// The modules `logs FILE` needs, one by one: the following and journal readers (child processes, readline, file
// watching) are loaded only by the modes that use them, as start-up is part of every run's cost (bench/logs).
import { parseJournalLine } from '../../sources/authlog/journal.js';
import { AuthLogParser } from '../../sources/authlog/parser.js';
import { type AuthLogReadStats, readAuthLogBatches } from '../../sources/authlog/read-file.js';
import { DnsQueryLogParser, isDnsQueryLine } from '../../sources/dns/query-log.js';
import { exitCodeFor } from '../exit.js';
import { type CommonOptions, parsePositiveInt, withCommonOptions } from '../options.js';

interface LogsCliOptions extends CommonOptions {
  follow: boolean;
  fromEnd: boolean;
  journal: boolean;
  hostId: string;
  maxRetry: number;
  findTime: number;
  expandRepeats: boolean;
  successMinFailures: number;
  intelDir: string;
}

/** The detection options of `logs`, with the defaults its flags have. */
type DetectionOptions = Pick<
  LogsCliOptions,
  'maxRetry' | 'findTime' | 'expandRepeats' | 'successMinFailures' | 'intelDir'
>;
const DEFAULTS: Omit<DetectionOptions, 'intelDir'> = {
  maxRetry: 5,
  findTime: 600,
  expandRepeats: false,
  successMinFailures: 5,
};

function config(o: DetectionOptions): SshDetectionConfig {
  return {
    bruteForce: { maxRetry: o.maxRetry, findTimeMs: o.findTime * 1000, expandRepeats: o.expandRepeats },
    slowBruteForce: { expandRepeats: o.expandRepeats },
    userEnumeration: { windowMs: o.findTime * 1000, expandRepeats: o.expandRepeats },
    passwordSpray: { expandRepeats: o.expandRepeats },
    successAfterFailures: { minFailures: o.successMinFailures, expandRepeats: o.expandRepeats },
  };
}

function skippedWarnings(stats: readonly AuthLogReadStats[]): Warning[] {
  return stats
    .filter((s) => s.skippedLong + s.skippedBinary + s.unattributed > 0)
    .map((s) => ({
      code: 'MW_W_LOG_SKIPPED' as const,
      message: `${s.skippedLong} over-long, ${s.skippedBinary} binary or malformed, ${s.unattributed} unattributed line(s) skipped`,
      path: s.file,
    }));
}

/**
 * Packs installed by `intel update`. The store is loaded only when `dir` holds a pack: its metadata schema brings
 * zod, whose loading was 60 ms of the ~90 ms this command spent importing modules (bench/logs), on hosts that
 * mostly have no packs.
 */
async function installedPools(dir: string): Promise<PoolIntel> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return new PoolIntel();
  }
  if (!names.some((n) => n.endsWith('.meta.json'))) return new PoolIntel();
  const { loadInstalledPools } = await import('../../intel/pools/store.js');
  return loadInstalledPools(dir).intel;
}

/** SSH detectors, plus pool lookups for DNS query logs (dnsmasq, BIND) found among the lines. */
async function detectors(o: DetectionOptions): Promise<Detector[]> {
  const intel = PoolIntel.merge(loadBuiltinPoolIntel(), await installedPools(o.intelDir));
  return [...sshDetectors(config(o)), dnsPoolQuery(intel)];
}

/**
 * Every line isDnsQueryLine accepts holds one of these: lines without them skip the DNS check undecoded (most of a
 * log). A test holds the two together.
 */
export const DNS_LINE_MARKERS: readonly string[] = [' query[', ': query: ', 'dnsmasq[', ' reply '];

export interface LogFilesResult {
  findings: Finding[];
  stats: AuthLogReadStats[];
  dnsQueries: number;
  dnsLines: number;
}

/**
 * What `logs FILE...` does before it reports: auth and DNS query lines of each file through the detectors. Auth
 * attempts reach the SSH detectors as parser records, without an event per line, unless `records` is false or a
 * detector other than those takes auth events; the findings are the same either way (a test holds them equal).
 */
export async function analyzeLogFiles(
  files: readonly string[],
  hostId: string,
  detectors: readonly Detector[],
  { records = true }: { records?: boolean } = {},
): Promise<LogFilesResult> {
  const det = new StatefulDetection(detectors, { id: hostId, name: hostId });
  const sink = records ? sshRecordSink(detectors, det) : null;
  const stats: AuthLogReadStats[] = [];
  let dnsQueries = 0;
  let dnsLines = 0;
  for (const file of files) {
    const dns = new DnsQueryLogParser({ referenceTime: Date.now(), hostId });
    // Records are detected as they are parsed, so DNS events are too: the detectors see lines in file order.
    const divert =
      sink === null
        ? (line: string) => (isDnsQueryLine(line) ? (dns.parseLine(line) ?? null) : undefined)
        : (line: string) => {
            if (!isDnsQueryLine(line)) return undefined;
            const e = dns.parseLine(line);
            if (e) det.process(e);
            return null;
          };
    const opts = {
      hostId,
      divert,
      divertMarkers: DNS_LINE_MARKERS,
      ...(sink === null ? {} : { records: sink }),
    };
    for await (const batch of readAuthLogBatches(file, opts, (s) => stats.push(s)))
      for (const e of batch) det.process(e);
    dnsQueries += dns.stats.queries;
    dnsLines += dns.stats.lines;
  }
  return { findings: det.results(), stats, dnsQueries, dnsLines };
}

/** The detectors `logs` runs when given no options. */
export function defaultLogsDetectors(): Promise<Detector[]> {
  return detectors({ ...DEFAULTS, intelDir: defaultIntelDir() });
}

async function analyzeFiles(files: readonly string[], o: LogsCliOptions): Promise<void> {
  const { findings, stats, dnsQueries, dnsLines } = await analyzeLogFiles(
    files,
    o.hostId,
    await detectors(o),
  );
  const sum = (k: keyof Omit<AuthLogReadStats, 'file'>) => stats.reduce((a, s) => a + s[k], 0);
  const summary = {
    files: stats.length,
    lines: sum('lines') + dnsLines,
    authEvents: sum('events'),
    failures: sum('failures'),
    successes: sum('successes'),
    dnsQueries,
    skipped: { tooLong: sum('skippedLong'), binary: sum('skippedBinary'), unattributed: sum('unattributed') },
    findings: findings.length,
  };
  const warnings = skippedWarnings(stats);
  const format = o.format === 'sarif' ? 'json' : o.format;
  process.stdout.write(
    renderFindingsReport({ findings, warnings, summary, extra: { files: stats } }, format),
  );
  if (format === 'table')
    process.stdout.write(
      `\n${summary.lines} lines, ${summary.failures} failed and ${summary.successes} successful logins, ${summary.skipped.tooLong + summary.skipped.binary + summary.skipped.unattributed} skipped.\n`,
    );
  process.exitCode = exitCodeFor(findings, o.failOn);
}

/** Everything the journal holds for the ssh units, analyzed like a file. */
async function analyzeJournal(o: LogsCliOptions): Promise<void> {
  const det = new StatefulDetection(await detectors(o), { id: o.hostId, name: o.hostId });
  const parser = new AuthLogParser({ referenceTime: Date.now(), hostId: o.hostId });
  const warnings: Warning[] = [];
  const { followJournal } = await import('../../sources/authlog/journal-follow.js');
  await new Promise<void>((resolve) => {
    followJournal({
      follow: false,
      onLine: (l) => {
        for (const e of parseJournalLine(parser, l)) det.process(e);
      },
      onExit: (code, err) => {
        if (code !== 0)
          warnings.push({
            code: 'MW_W_JOURNAL_UNAVAILABLE',
            message: `journalctl ${code === null ? 'could not run' : `exited ${code}`}: ${err.trim().slice(0, 300)}`,
          });
        resolve();
      },
    });
  });
  parser.finish();
  const findings = det.results();
  const s = parser.stats;
  const summary = {
    source: 'journal',
    lines: s.lines,
    authEvents: s.events,
    failures: s.failures,
    successes: s.successes,
    findings: findings.length,
  };
  const format = o.format === 'sarif' ? 'json' : o.format;
  process.stdout.write(renderFindingsReport({ findings, warnings, summary }, format));
  process.exitCode = exitCodeFor(findings, o.failOn);
}

function printLive(f: Finding, format: CommonOptions['format']): void {
  if (format === 'table') {
    const who = f.entity.ip ?? f.entity.name ?? '';
    process.stdout.write(`${f.time} ${f.severity.toUpperCase()} ${f.ruleId} ${who} ${f.title}\n`);
  } else process.stdout.write(`${JSON.stringify(f)}\n`);
}

/** Follows one file or the journal and prints each finding the moment a detector reports it. */
async function follow(files: readonly string[], o: LogsCliOptions): Promise<void> {
  const det = new StatefulDetection(await detectors(o), { id: o.hostId, name: o.hostId });
  const printed = new Set<string>();
  const all: Finding[] = [];
  const parser = new AuthLogParser({
    referenceTime: Date.now(),
    fallbackTime: () => Date.now(),
    hostId: o.hostId,
  });
  const dns = new DnsQueryLogParser({ referenceTime: Date.now(), hostId: o.hostId });
  const flush = (): void => {
    for (const f of det.results()) {
      if (printed.has(f.id)) continue;
      printed.add(f.id);
      all.push(f);
      printLive(f, o.format);
    }
  };
  let stop: () => Promise<void>;
  if (o.journal) {
    const { followJournal } = await import('../../sources/authlog/journal-follow.js');
    const end = followJournal({
      onLine: (l) => {
        for (const e of parseJournalLine(parser, l)) det.process(e);
        flush();
      },
      onExit: (code, err) => {
        if (code !== 0 && code !== null)
          process.stderr.write(
            `minewarden: MW_W_JOURNAL_UNAVAILABLE: journalctl exited ${code}: ${err.trim()}\n`,
          );
      },
    });
    stop = async () => end();
  } else {
    const [file] = files;
    if (files.length !== 1 || file === undefined)
      throw new MinewardenError('MW_USAGE', '--follow takes exactly one FILE (or --journal)');
    const { LogFollower } = await import('../../sources/authlog/follow.js');
    const f = new LogFollower(file, {
      fromEnd: o.fromEnd,
      onLines: (lines) => {
        // A follower reads lines as they are written, so "now" is the right anchor for stamps without a year.
        for (const l of lines) {
          const dnsEvent = isDnsQueryLine(l) ? dns.parseLine(l) : undefined;
          if (dnsEvent) det.process(dnsEvent);
          else if (dnsEvent === undefined) for (const e of parser.parseLine(l)) det.process(e);
        }
        flush();
      },
      onError: (err) => process.stderr.write(`minewarden: ${file}: ${err.message}\n`),
    });
    f.start();
    stop = () => f.stop();
  }
  await new Promise<void>((resolve) => {
    const done = (): void => {
      void stop().then(resolve);
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  process.exitCode = exitCodeFor(all, o.failOn);
}

export function registerLogs(program: Command): void {
  withCommonOptions(
    program
      .command('logs')
      .description(
        'analyze SSH auth logs (files, .gz, journal JSON) and DNS query logs: brute force, suspicious logins, pool lookups',
      )
      .argument('[files...]', 'auth log files, oldest first (/var/log/auth.log, /var/log/secure, ...)'),
  )
    .option('-f, --follow', 'keep following FILE (rotation handled) and print findings as they happen', false)
    .option('--from-end', 'with --follow: start at the end of the file instead of reading it first', false)
    .option(
      '--journal',
      'read sshd from the systemd journal (journalctl -o json; with --follow, from now on)',
      false,
    )
    .addOption(new Option('--host-id <id>', 'host the logs belong to').default('localhost'))
    .addOption(
      new Option('--max-retry <n>', 'brute force: attempts within --find-time (fail2ban maxretry)')
        .default(DEFAULTS.maxRetry)
        .argParser(parsePositiveInt('--max-retry')),
    )
    .addOption(
      new Option('--find-time <seconds>', 'brute force window (fail2ban findtime)')
        .default(DEFAULTS.findTime)
        .argParser(parsePositiveInt('--find-time')),
    )
    .addOption(
      new Option('--success-min-failures <n>', 'failures before a success from the same address is critical')
        .default(DEFAULTS.successMinFailures)
        .argParser(parsePositiveInt('--success-min-failures')),
    )
    .addOption(
      new Option('--intel-dir <dir>', 'installed pool packs, for DNS query logs').default(defaultIntelDir()),
    )
    .option(
      '--expand-repeats',
      'count "message repeated N times" as N attempts (fail2ban counts none)',
      DEFAULTS.expandRepeats,
    )
    .action(async (files: string[], opts: LogsCliOptions) => {
      if (opts.follow) {
        await follow(files, opts);
        return;
      }
      if (opts.journal) {
        await analyzeJournal(opts);
        return;
      }
      if (files.length === 0)
        throw new MinewardenError('MW_USAGE', 'give at least one log FILE (or --follow --journal)');
      await analyzeFiles(files, opts);
    });
}
