import { costBaselineMeta, detectCostDeviation } from '../detect/detectors/cost-baseline.js';
import type { Warning } from '../model/errors.js';
import { type Finding, findingId } from '../model/finding.js';
import { takeSnapshot } from '../sources/procfs/snapshot.js';
import { accountWindow, type CostReport } from './accounting.js';
import { appendSample, pickBaseline, readHistory } from './history.js';
import { hourlyUsage } from './hourly.js';
import { type CloudInstance, lookupCloudInstance } from './metadata.js';
import type { CostConfig } from './price-config.js';
import { type PriceBasis, resolvePrice } from './resolve-price.js';
import { usageSampleOf } from './sample.js';

export interface CostRunOptions {
  root: string;
  sinceMs: number;
  stateFile: string;
  /** Append this run's sample to the state file (the history the baseline learns from). */
  record: boolean;
  sampleMs: number;
  config?: CostConfig;
  configFile?: string;
  /** null: do not ask cloud metadata. */
  metadata: { baseUrl?: string; timeoutMs?: number } | null;
  top: number;
}

export interface CostRunResult {
  report: CostReport;
  price: PriceBasis;
  instance: CloudInstance | null;
  findings: Finding[];
  historySamples: number;
  warnings: Warning[];
}

/** One `cost` run: price, sample, account the window against history, judge spend, record the sample. */
export async function runCost(opts: CostRunOptions): Promise<CostRunResult> {
  const needsMetadata = opts.metadata && !opts.config?.perVcpuHour && !opts.config?.instanceType;
  const [instance, snapshot] = await Promise.all([
    needsMetadata ? lookupCloudInstance(opts.metadata ?? {}) : Promise.resolve(undefined),
    takeSnapshot({ root: opts.root, sampleMs: opts.sampleMs, hash: false }),
  ]);
  const price = resolvePrice({
    ...(opts.config ? { config: opts.config } : {}),
    ...(opts.configFile ? { configFile: opts.configFile } : {}),
    ...(instance === undefined ? {} : { instance }),
  });
  const now = usageSampleOf(snapshot, opts.root);
  const history = readHistory(opts.stateFile, now.hostId);
  const from = now.time - opts.sinceMs;
  const report = accountWindow(pickBaseline(history, now, from), now, price, from, opts.top);

  const hours = hourlyUsage([...history, now]);
  const host = { id: now.hostId, name: now.hostName };
  const findings: Finding[] = detectCostDeviation({
    hours,
    evaluateFrom: from,
    price,
    hostName: now.hostName,
  }).map((d) => ({
    ...d,
    id: findingId(host.id, costBaselineMeta.id, d.entity),
    host,
    time: d.time ?? new Date(now.time).toISOString(),
  }));
  if (opts.record) appendSample(opts.stateFile, now, history);
  return {
    report,
    price,
    instance: instance ?? null,
    findings,
    historySamples: history.length,
    warnings: snapshot.warnings,
  };
}
