import { type BaselineEstimate, type BaselineOptions, estimateBaseline } from '../../cost/baseline.js';
import { HOUR_MS, type HourlyUsage } from '../../cost/hourly.js';
import { type CpuPrice, costOfCpuSeconds, costRate, roundTo, subtract, sum } from '../../cost/money.js';
import type { FindingDraft } from '../../model/finding.js';
import { draftOf, type Hit, type RuleMeta } from '../detector.js';

export const costBaselineMeta: RuleMeta = {
  id: 'cost.cpu-spend-deviation',
  title: 'Host CPU spend far above its baseline',
  severity: 'medium',
  confidence: 0.6,
  category: 'impact',
  techniques: ['T1496'],
  recommendation:
    'Find what used the extra CPU (minewarden cost --since 24h, then scan); if it is a miner, stop it and find the way in.',
  falsePositives:
    'New workloads, traffic growth, one-off jobs (reindexing, backfills, builds) that have no history yet.',
};

export interface CostBaselineInput {
  /** Host CPU seconds per hour, oldest first. */
  hours: readonly HourlyUsage[];
  /** Hours from here on are judged; hours before it are the history they are judged against. */
  evaluateFrom: number;
  price: CpuPrice & { basis?: string };
  hostName: string;
}

export interface CostBaselineOptions extends BaselineOptions {
  /** How many robust spreads above the expected value an hour must be; default 4. */
  threshold?: number;
  /** An hour must also be at least this multiple of the expected value; default 1.5 (+50%). */
  minRatio?: number;
  /** And at least this many CPU seconds above it; default 900 (a quarter of a vCPU-hour). */
  minExtraCpuSeconds?: number;
  /** Anomalous hours an episode needs: mining is sustained, single spikes are not reported; default 2. */
  minHours?: number;
}

interface Judged {
  h: HourlyUsage;
  est: BaselineEstimate;
}

function isAnomalous(h: HourlyUsage, est: BaselineEstimate, o: CostBaselineOptions): boolean {
  const extra = h.cpuSeconds - est.expected;
  return (
    h.cpuSeconds > est.expected + (o.threshold ?? 4) * est.scale &&
    h.cpuSeconds >= est.expected * (o.minRatio ?? 1.5) &&
    extra >= (o.minExtraCpuSeconds ?? 900)
  );
}

/** Groups anomalous hours into episodes, tolerating one quiet hour inside an episode. */
function episodes(judged: readonly Judged[]): Judged[][] {
  const out: Judged[][] = [];
  let cur: Judged[] = [];
  for (const j of judged) {
    const last = cur[cur.length - 1];
    if (last && j.h.hour - last.h.hour > 2 * HOUR_MS) {
      out.push(cur);
      cur = [];
    }
    cur.push(j);
  }
  if (cur.length) out.push(cur);
  return out;
}

function hitOf(ep: readonly Judged[], input: CostBaselineInput): Hit {
  const first = ep[0] as Judged;
  const last = ep[ep.length - 1] as Judged;
  const observed = roundTo(sum(ep.map((j) => j.h.cpuSeconds)), 2);
  const expected = roundTo(sum(ep.map((j) => j.est.expected)), 2);
  const extra = subtract(observed, expected);
  const deviationPercent = expected > 0 ? roundTo((extra / expected) * 100, 1) : null;
  const rate = costRate(extra, ep.length, input.price);
  const title =
    deviationPercent === null
      ? `Host CPU spend up from nothing for ${ep.length} h`
      : `Host CPU spend ${deviationPercent}% above baseline for ${ep.length} h`;
  return {
    entity: { kind: 'cloud-resource', name: input.hostName },
    title,
    severity: deviationPercent === null || deviationPercent >= 300 ? 'high' : 'medium',
    evidence: {
      from: new Date(first.h.hour).toISOString(),
      to: new Date(last.h.hour + HOUR_MS).toISOString(),
      hours: ep.length,
      observedCpuSeconds: observed,
      expectedCpuSeconds: expected,
      extraCpuSeconds: extra,
      deviationPercent,
      baseline: { method: first.est.method, pointsPerHour: first.est.points },
      extraCost: {
        currency: input.price.currency,
        amount: costOfCpuSeconds(extra, input.price),
        perHour: rate.perHour,
        perMonth: rate.perMonth,
        basis:
          input.price.basis ??
          `${input.price.amount} ${input.price.currency} per ${input.price.vcpus} vCPU-hour`,
      },
      perHour: ep.map((j) => ({
        hour: new Date(j.h.hour).toISOString(),
        cpuSeconds: roundTo(j.h.cpuSeconds, 2),
        expected: roundTo(j.est.expected, 2),
      })),
    },
  };
}

/**
 * Spend deviation: hours of host CPU far above what the same hour usually costs. Pure: the hourly history and the
 * price are inputs; the judged window's hours are compared with history before the window only, so an episode in
 * progress does not become its own baseline. One finding per episode, with the extra money as evidence.
 */
export function detectCostDeviation(
  input: CostBaselineInput,
  opts: CostBaselineOptions = {},
): FindingDraft[] {
  const history = input.hours.filter((h) => h.hour < input.evaluateFrom);
  const judged: Judged[] = [];
  for (const h of input.hours) {
    if (h.hour < input.evaluateFrom) continue;
    const est = estimateBaseline(history, h.hour, opts);
    if (est && isAnomalous(h, est, opts)) judged.push({ h, est });
  }
  return episodes(judged)
    .filter((ep) => ep.length >= (opts.minHours ?? 2))
    .map((ep) => ({
      ...draftOf(costBaselineMeta, hitOf(ep, input)),
      time: new Date((ep[0] as Judged).h.hour).toISOString(),
    }));
}
