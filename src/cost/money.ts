import * as decimalModule from 'decimal.js';

// decimal.js ships an ES module whose only export is the default, with CommonJS-style typings; this reads the class
// the same way under Node, vitest and the type checker.
const Decimal = ((decimalModule as { default?: unknown }).default ??
  decimalModule.Decimal) as typeof decimalModule.Decimal;

/**
 * Money is computed in decimal, never in binary floating point: every figure is the exact product and quotient of
 * its inputs, rounded once at the end (half-even, to MONEY_DP places). Intermediate results keep 40 significant
 * digits, far beyond any input's precision, so the single rounding is the only one.
 */
export const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
export type Dec = InstanceType<typeof D>;

/** Decimal places of every money figure we report: millionths of the currency unit. */
export const MONEY_DP = 6;
/** Hours in a month for projections: the 730 (= 8760 / 12) that AWS, GCP and Azure calculators use. */
export const HOURS_PER_MONTH = 730;

/**
 * A price of CPU time: `amount` (a decimal string in `currency`) buys `vcpus` vCPU-hours. Kept as a fraction so a
 * per-instance price over its vCPU count stays exact (0.096 / 2 / 3600 per vCPU-second has no finite decimal).
 */
export interface CpuPrice {
  currency: string;
  amount: string;
  vcpus: number;
}

function dec(n: number | string): Dec {
  return new D(n);
}

function round(x: Dec): number {
  return x.toDecimalPlaces(MONEY_DP, Decimal.ROUND_HALF_EVEN).toNumber();
}

/** Money for CPU seconds: cpuSeconds x amount / (vcpus x 3600), rounded once. */
export function costOfCpuSeconds(cpuSeconds: number | string, price: CpuPrice): number {
  return round(dec(cpuSeconds).times(price.amount).div(dec(price.vcpus).times(3600)));
}

/** Money per hour at a CPU use of `cpuPercent` (100 = one full vCPU). */
export function costPerHour(cpuPercent: number, price: CpuPrice): number {
  return round(perHourExact(cpuPercent, price));
}

/** Money per month (730 h) at a constant CPU use, from the unrounded hourly figure. */
export function costPerMonth(cpuPercent: number, price: CpuPrice): number {
  return round(perHourExact(cpuPercent, price).times(HOURS_PER_MONTH));
}

function perHourExact(cpuPercent: number, price: CpuPrice): Dec {
  return dec(cpuPercent).times(price.amount).div(dec(price.vcpus).times(100));
}

/** Price of one vCPU-hour, rounded for display and evidence. */
export function perVcpuHour(price: CpuPrice): number {
  return round(dec(price.amount).div(price.vcpus));
}

/** Exact difference of two decimal quantities (CPU seconds read as ticks / 100 would drift as floats). */
export function subtract(a: number, b: number): number {
  return dec(a).minus(b).toNumber();
}

/** Exact sum of decimal quantities. */
export function sum(values: readonly number[]): number {
  let acc = dec(0);
  for (const v of values) acc = acc.plus(v);
  return acc.toNumber();
}

/** A decimal string that parses as a finite, non-negative number (prices from data and config files). */
export function isDecimalString(s: string): boolean {
  return /^\d{1,12}(\.\d{1,12})?$/.test(s);
}

/** Formats money for people: currency and at least 2, at most 4 decimals. */
export function formatMoney(amount: number, currency: string): string {
  const d = dec(amount);
  const places = d.abs().lt(0.01) && !d.isZero() ? 4 : 2;
  return `${d.toFixed(places, Decimal.ROUND_HALF_EVEN)} ${currency}`;
}

/** Formats a rate (money per hour) for people: 4 decimals below 1, since a miner on one core costs cents an hour. */
export function formatRate(amount: number, currency: string): string {
  const d = dec(amount);
  const places = d.abs().lt(1) && !d.isZero() ? 4 : 2;
  return `${d.toFixed(places, Decimal.ROUND_HALF_EVEN)} ${currency}`;
}

/** Rate of spending `cpuSeconds` over `hours`: per hour and per 730-hour month, each rounded once. */
export function costRate(
  cpuSeconds: number,
  hours: number,
  price: CpuPrice,
): { perHour: number; perMonth: number } {
  const perHour = dec(cpuSeconds).times(price.amount).div(dec(price.vcpus).times(3600).times(hours));
  return { perHour: round(perHour), perMonth: round(perHour.times(HOURS_PER_MONTH)) };
}

/** Rounds a quantity (CPU seconds, percent) to `dp` places, half-even, for evidence that money is computed from. */
export function roundTo(x: number, dp: number): number {
  return dec(x).toDecimalPlaces(dp, Decimal.ROUND_HALF_EVEN).toNumber();
}
