import type { Finding } from '../model/finding.js';
import type { ProcessInfo } from '../model/inventory.js';
import {
  costOfCpuSeconds,
  costPerHour,
  costPerMonth,
  costRate,
  HOURS_PER_MONTH,
  MONEY_DP,
  subtract,
  sum,
} from './money.js';
import type { PriceBasis } from './resolve-price.js';

/** What a flagged process has cost and is costing; the fixed names are currency, sinceStart, perHour, perMonth, basis. */
export interface CostEvidence {
  currency: string;
  sinceStart: number;
  perHour: number;
  perMonth: number;
  basis: string;
  /** The inputs, so every figure can be re-derived: CPU seconds (own + reaped children) and the rate used. */
  cpuSeconds: number;
  childCpuSeconds: number;
  cpuPercent: number | null;
  perVcpuHour: number;
  rate: 'sampled' | 'average-since-start';
}

/** A process using at least this much of one vCPU makes any finding about it worth pricing. */
export const HIGH_CPU_PERCENT = 50;

/** Miner rules, pool ports, and anything about a process that burns CPU. */
export function wantsCost(
  f: Finding,
  p: ProcessInfo | undefined,
  highCpuPercent = HIGH_CPU_PERCENT,
): boolean {
  if (f.ruleId.startsWith('miner.') || f.ruleId === 'net.miner-port') return true;
  return p?.cpuPercent != null && p.cpuPercent >= highCpuPercent;
}

/**
 * sinceStart = (utime + stime + cutime + cstime) x price per vCPU-second. perHour from the CPU % sampled over the
 * scan interval, or, without a sample, the average since the process started; perMonth = perHour x 730.
 */
export function processCostEvidence(p: ProcessInfo, price: PriceBasis, now: number): CostEvidence {
  const cpuSeconds = sum([p.cpuSeconds, p.childCpuSeconds]);
  const sinceStart = costOfCpuSeconds(cpuSeconds, price);
  let perHour: number;
  let perMonth: number;
  let rate: CostEvidence['rate'];
  if (p.cpuPercent !== null) {
    perHour = costPerHour(p.cpuPercent, price);
    perMonth = costPerMonth(p.cpuPercent, price);
    rate = 'sampled';
  } else {
    const hours = Math.max(1, subtract(now, p.startTime)) / 3600_000;
    ({ perHour, perMonth } = costRate(cpuSeconds, hours, price));
    rate = 'average-since-start';
  }
  const rateText =
    rate === 'sampled'
      ? `perHour from ${p.cpuPercent?.toFixed(1)}% CPU over the scan interval`
      : 'perHour from the average CPU since the process started (no sampling interval)';
  return {
    currency: price.currency,
    sinceStart,
    perHour,
    perMonth,
    basis:
      `sinceStart = ${cpuSeconds} CPU-s (utime+stime+reaped children) x ${price.perVcpuHour} ${price.currency} ` +
      `per vCPU-hour / 3600; ${rateText}; perMonth = perHour x ${HOURS_PER_MONTH}; rounded half-even to ` +
      `${MONEY_DP} places. Price: ${price.basis}`,
    cpuSeconds,
    childCpuSeconds: p.childCpuSeconds,
    cpuPercent: p.cpuPercent,
    perVcpuHour: price.perVcpuHour,
    rate,
  };
}

function sameProcess(f: Finding, p: ProcessInfo): boolean {
  if (f.entity.startTime === undefined) return true;
  return Date.parse(f.entity.startTime) === p.startTime;
}

/** Adds evidence.cost to every finding that wants it and whose process is in the snapshot; returns the same array. */
export function enrichFindingsWithCost(
  findings: Finding[],
  processes: readonly ProcessInfo[],
  price: PriceBasis,
  now: number,
  highCpuPercent = HIGH_CPU_PERCENT,
): Finding[] {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  for (const f of findings) {
    const p = f.entity.pid === undefined ? undefined : byPid.get(f.entity.pid);
    if (!p || !sameProcess(f, p) || !wantsCost(f, p, highCpuPercent)) continue;
    f.evidence = { ...f.evidence, cost: processCostEvidence(p, price, now) };
  }
  return findings;
}
