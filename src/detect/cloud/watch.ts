import { setTimeout as sleep } from 'node:timers/promises';
import type { PoolIntel } from '../../intel/pools/index.js';
import type { Warning } from '../../model/errors.js';
import { MinewardenError } from '../../model/errors.js';
import type { Finding } from '../../model/finding.js';
import { DirFeed, type ReadyFile } from '../../sources/cloud/dir-feed.js';
import {
  type CloudReadStats,
  type CloudSource,
  HostResolver,
  readCloudSource,
} from '../../sources/cloud/index.js';
import { listInputFiles } from '../../sources/cloud/input.js';
import { CLOUD_INPUT_ORDER, type CloudAnalyzeOptions, type CloudInputs, cloudWarnings } from './analyze.js';
import { CloudDetection } from './engine.js';
import { cloudDetectors } from './index.js';

export interface CloudWatchOptions extends CloudAnalyzeOptions {
  /** Where the files read and the findings reported are remembered (see DirFeed). */
  statePath: string;
  /**
   * Pool intel that takes the place of `intel` while the watch runs (an agent's pushed pack), or null for `intel`.
   * Asked at each look; a different object starts a new engine with it (open windows are lost, reported findings
   * stay remembered), so a pool added by the fleet's admins counts from the next look on.
   */
  intelNow?: () => PoolIntel | null;
}

/**
 * Findings one engine holds before the watch starts a new one after a look (the detectors' open windows are lost, as
 * with the agent's live engine). An agent or server watches for months: the engine would grow with every finding,
 * and once it held more than the finding ids the state remembers (DirFeed, 20,000) the oldest would be handed over
 * again at every look. Below that, what an old engine reported stays remembered and is not repeated by a new one.
 */
export const ENGINE_FINDINGS = 10_000;

/** What one poll read and found: only findings not reported before, in this run or an earlier one. */
export interface CloudWatchBatch {
  files: CloudReadStats[];
  findings: Finding[];
  warnings: Warning[];
}

/**
 * Cloud logs from directories a shipper fills (S3 sync, Fluent Bit, GCS or Blob exports): each poll reads the
 * files that became complete since the last one, through one detection engine that lives as long as the watcher
 * (a mining session spans many 5-minute flow log files), and hands over the findings not reported before. State
 * (files read, findings reported) is saved after the batch is handed over: after a restart no file is read again
 * and no finding repeated; a crash between handing over and saving repeats that batch rather than losing it.
 */
export class CloudLogWatcher {
  /** The intel the engine was built with when it is not `intel` (see intelNow). */
  private intel: PoolIntel | null;
  private detection: CloudDetection;

  private constructor(
    private readonly feed: DirFeed,
    private readonly sources: ReadonlyMap<string, CloudSource>,
    private readonly o: CloudWatchOptions,
    private readonly hosts: HostResolver,
  ) {
    this.intel = o.intelNow?.() ?? null;
    this.detection = this.newDetection();
  }

  static async open(inputs: CloudInputs, o: CloudWatchOptions): Promise<CloudLogWatcher> {
    const sources = new Map<string, CloudSource>();
    for (const [key, source] of CLOUD_INPUT_ORDER)
      for (const root of inputs[key] ?? []) {
        if (sources.has(root) && sources.get(root) !== source)
          throw new MinewardenError(
            'MW_USAGE',
            `${root} is given for two log families; give each its own directory`,
          );
        sources.set(root, source);
      }
    // A directory that is not there fails now, with its name; later it may come and go (a remount).
    for (const root of sources.keys()) await listInputFiles(root);
    const feed = await DirFeed.open([...sources.keys()], o.statePath);
    return new CloudLogWatcher(feed, sources, o, o.hosts ?? new HostResolver());
  }

  /** Engines started afresh because the pushed intel changed. */
  intelChanges = 0;

  private newDetection(): CloudDetection {
    const o = this.intel ? { ...this.o, intel: this.intel } : this.o;
    return new CloudDetection(cloudDetectors(o), (id) => this.hosts.ref(id));
  }

  /** Looks whose engine was replaced by a fresh one (ENGINE_FINDINGS). */
  engineRestarts = 0;

  /** Files read over all runs, as the state has them. */
  get filesDone(): number {
    return this.feed.doneCount;
  }

  /**
   * Looks once: reads the files that are complete (resolver and DNS logs first, so their answers teach the flow
   * rules), hands the batch to `onBatch`, then saves the state.
   */
  async poll(onBatch: (b: CloudWatchBatch) => void | Promise<void>): Promise<CloudWatchBatch> {
    const intel = this.o.intelNow?.() ?? null;
    if (intel !== this.intel) {
      this.intel = intel;
      this.detection = this.newDetection();
      this.intelChanges++;
    }
    const detection = this.detection;
    const rank = (f: ReadyFile) => CLOUD_INPUT_ORDER.findIndex(([, s]) => s === this.sources.get(f.root));
    const ready = (await this.feed.poll()).sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path));
    const files: CloudReadStats[] = [];
    const failed: Warning[] = [];
    const onEvent = detection.process.bind(detection);
    const onFlow = detection.processFlow.bind(detection);
    for (const f of ready) {
      const source = this.sources.get(f.root) as CloudSource;
      try {
        files.push(
          ...(await readCloudSource(source, f.path, onEvent, { ...this.o.read, hosts: this.hosts, onFlow })),
        );
      } catch (err) {
        // A file that cannot be read as its family (wrong format, no address fields) would fail at every poll:
        // it is reported once and counted as read.
        if (!(err instanceof MinewardenError)) throw err;
        failed.push({ code: 'MW_W_CLOUD_SKIPPED', message: err.message, path: f.path });
      }
    }
    const all = ready.length ? detection.results() : [];
    const findings = all.filter((x) => !this.feed.wasEmitted(x.id));
    const batch = { files, findings, warnings: [...failed, ...cloudWarnings(files)] };
    await onBatch(batch);
    for (const f of ready) this.feed.markDone(f);
    this.feed.noteEmitted(findings.map((x) => x.id));
    if (ready.length) await this.feed.save();
    if (all.length > ENGINE_FINDINGS) {
      this.detection = this.newDetection();
      this.engineRestarts++;
    }
    return batch;
  }

  /**
   * Polls every `intervalMs` until the signal aborts. A look that fails on input (a directory gone for a while, a
   * state file that cannot be written) is handed over as a warning and the watch goes on.
   */
  async run(
    onBatch: (b: CloudWatchBatch) => void | Promise<void>,
    intervalMs: number,
    signal: AbortSignal,
  ): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.poll(onBatch);
      } catch (err) {
        if (!(err instanceof MinewardenError) || err.code === 'MW_INTERNAL') throw err;
        await onBatch({
          files: [],
          findings: [],
          warnings: [{ code: 'MW_W_CLOUD_SKIPPED', message: err.message }],
        });
      }
      // timers/promises drops its abort listener when the time is up: a listener left per look would pile up
      // (and warn) in an agent or server that watches for weeks.
      await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
    }
  }
}
