import { describe, expect, it } from 'vitest';
import { HOUR_MS, type HourlyUsage } from '../../cost/hourly.js';
import { costOfCpuSeconds } from '../../cost/money.js';
import { FindingSchema } from '../../model/schemas.js';
import { costBaselineMeta, detectCostDeviation } from './cost-baseline.js';

const PRICE = { currency: 'USD', amount: '0.096', vcpus: 2, basis: 'test price' };
const START = Date.UTC(2026, 10, 1); // a Sunday, 00:00 UTC
const DAYS = 14;

/** Deterministic noise (LCG) so the history has a real spread and the test does not depend on luck. */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A 2-vCPU web host: ~10% busy at night, ~30% by day, +-20% noise. CPU seconds per hour. */
function normalHour(hourOfDay: number, rnd: () => number): number {
  const base = hourOfDay >= 8 && hourOfDay < 20 ? 0.3 : 0.1;
  return base * 2 * 3600 * (0.8 + 0.4 * rnd());
}

function history(
  shape: (day: number, hourOfDay: number, normal: number) => number,
  seed = 42,
): HourlyUsage[] {
  const rnd = noise(seed);
  const out: HourlyUsage[] = [];
  for (let d = 0; d < DAYS; d++) {
    for (let h = 0; h < 24; h++) {
      out.push({ hour: START + (d * 24 + h) * HOUR_MS, cpuSeconds: shape(d, h, normalHour(h, rnd)) });
    }
  }
  return out;
}

const LAST_DAY = START + (DAYS - 1) * 24 * HOUR_MS;
const input = (hours: HourlyUsage[]) => ({ hours, evaluateFrom: LAST_DAY, price: PRICE, hostName: 'web-1' });

describe('cost baseline detector', () => {
  it('finds one deviation when mining starts on the last day, with the extra money as evidence', () => {
    // A miner taking ~1.8 of the 2 vCPUs from 09:00 on the 14th day.
    const hours = history((d, h, normal) => (d === DAYS - 1 && h >= 9 ? normal + 1.8 * 3600 : normal));
    const drafts = detectCostDeviation(input(hours));
    expect(drafts).toHaveLength(1);
    const f = drafts[0]!;
    expect(f.ruleId).toBe(costBaselineMeta.id);
    expect(f.time).toBe(new Date(LAST_DAY + 9 * HOUR_MS).toISOString());
    const ev = f.evidence as {
      hours: number;
      observedCpuSeconds: number;
      expectedCpuSeconds: number;
      extraCpuSeconds: number;
      deviationPercent: number;
      baseline: { method: string };
      extraCost: { currency: string; amount: number; perHour: number; perMonth: number; basis: string };
    };
    expect(ev.hours).toBe(15);
    expect(ev.baseline.method).toBe('hour-of-day');
    // The injected extra is 15 h x 6480 s; the measured extra is that, give or take the noise of normal hours.
    expect(ev.extraCpuSeconds).toBeGreaterThan(15 * 6480 * 0.9);
    expect(ev.extraCpuSeconds).toBeLessThan(15 * 6480 * 1.1);
    expect(ev.extraCpuSeconds).toBeCloseTo(ev.observedCpuSeconds - ev.expectedCpuSeconds, 6);
    expect(ev.deviationPercent).toBeCloseTo((ev.extraCpuSeconds / ev.expectedCpuSeconds) * 100, 0);
    expect(ev.deviationPercent).toBeGreaterThan(300);
    expect(f.severity).toBe('high');
    expect(ev.extraCost.currency).toBe('USD');
    expect(ev.extraCost.amount).toBe(costOfCpuSeconds(ev.extraCpuSeconds, PRICE));
    expect(ev.extraCost.perMonth).toBeCloseTo(ev.extraCost.perHour * 730, 3);
    expect(f.title).toContain(`${ev.deviationPercent}% above baseline`);
    const finding = { ...f, id: 'f-1', host: { id: 'h', name: 'web-1' }, time: f.time! };
    expect(FindingSchema.safeParse(finding).success).toBe(true);
  });

  it('stays quiet for a nightly batch job at the same hour every day', () => {
    // 03:00-04:00 every day, 1.6 vCPUs busy: the same size as the mining above, but routine.
    const hours = history((_d, h, normal) => (h === 3 ? normal + 1.6 * 3600 : normal));
    expect(detectCostDeviation(input(hours))).toEqual([]);
  });

  it('still finds the miner on a host that also runs the nightly job', () => {
    const hours = history((d, h, normal) => {
      let v = h === 3 ? normal + 1.6 * 3600 : normal;
      if (d === DAYS - 1 && h >= 12) v += 1.8 * 3600;
      return v;
    });
    const drafts = detectCostDeviation(input(hours));
    expect(drafts).toHaveLength(1);
    expect((drafts[0]!.evidence as { hours: number }).hours).toBe(12);
  });

  it('does not report a single one-hour spike, nor anything on a quiet history', () => {
    const spike = history((d, h, normal) => (d === DAYS - 1 && h === 15 ? normal + 1.8 * 3600 : normal));
    expect(detectCostDeviation(input(spike))).toEqual([]);
    expect(detectCostDeviation(input(history((_d, _h, n) => n, 7)))).toEqual([]);
  });

  it('needs history: with under six hours of it nothing is judged', () => {
    const hours = history((_d, h, normal) => (h >= 5 ? normal + 1.8 * 3600 : normal)).slice(0, 24);
    expect(detectCostDeviation({ ...input(hours), evaluateFrom: START + 4 * HOUR_MS })).toEqual([]);
  });

  it('uses the rolling window on a young host and the weekly slot once three weeks exist', () => {
    const young = history((d, h, n) => (d === 1 && h >= 10 ? n + 1.8 * 3600 : n)).slice(0, 48);
    const yd = detectCostDeviation({ ...input(young), evaluateFrom: START + 24 * HOUR_MS });
    expect(yd).toHaveLength(1);
    expect((yd[0]!.evidence as { baseline: { method: string } }).baseline.method).toBe('rolling-24h');

    const rnd = noise(3);
    const weeks: HourlyUsage[] = [];
    for (let i = 0; i < 22 * 24; i++) {
      const h = i % 24;
      weeks.push({
        hour: START + i * HOUR_MS,
        cpuSeconds: normalHour(h, rnd) + (i >= 21 * 24 + 6 ? 1.8 * 3600 : 0),
      });
    }
    const wd = detectCostDeviation({ ...input(weeks), evaluateFrom: START + 21 * 24 * HOUR_MS });
    expect(wd).toHaveLength(1);
    expect((wd[0]!.evidence as { baseline: { method: string } }).baseline.method).toBe('hour-of-week');
  });
});
