import { describe, expect, it } from 'vitest';
import {
  costOfCpuSeconds,
  costPerHour,
  costPerMonth,
  costRate,
  formatMoney,
  formatRate,
  perVcpuHour,
  subtract,
  sum,
} from './money.js';

/** Independent oracle: the exact rational cpuSeconds x amount / (vcpus x 3600), rounded half-even to 6 places. */
function oracle(cpuSeconds: string, amount: string, vcpus: number): number {
  const scale = (s: string): [bigint, number] => {
    const [i = '0', f = ''] = s.split('.');
    return [BigInt(i + f), f.length];
  };
  const [a, ad] = scale(cpuSeconds);
  const [b, bd] = scale(amount);
  // value = a*b / (10^(ad+bd) * vcpus * 3600); we want round(value * 10^6).
  const num = a * b * 10n ** 6n;
  const den = 10n ** BigInt(ad + bd) * BigInt(vcpus) * 3600n;
  let q = num / den;
  const r = num % den;
  if (2n * r > den || (2n * r === den && q % 2n === 1n)) q += 1n;
  return Number(q) / 1e6;
}

describe('money', () => {
  it('is exact decimal arithmetic of its inputs, rounded once half-even to 6 places', () => {
    const price = { currency: 'USD', amount: '0.096', vcpus: 2 };
    for (const cpu of ['0.01', '1.23', '12.34', '3600', '86399.99', '123456.78', '0.1', '7.77']) {
      expect(costOfCpuSeconds(Number(cpu), price)).toBe(oracle(cpu, '0.096', 2));
    }
    const odd = { currency: 'USD', amount: '0.097118', vcpus: 3 };
    for (const cpu of ['1', '2.5', '1000.07', '55555.55']) {
      expect(costOfCpuSeconds(Number(cpu), odd)).toBe(oracle(cpu, '0.097118', 3));
    }
    // Float arithmetic would give 0.30000000000000004-style drift; decimal does not.
    expect(costOfCpuSeconds(0.1 + 0.2, { currency: 'USD', amount: '3600', vcpus: 1 })).toBe(0.3);
  });

  it('rounds half to even at the sixth place', () => {
    // 0.0000025 exactly: 9 CPU-s x 1 per 3600 vCPU-s = 0.0025 -> scale down by 1000.
    const p = { currency: 'USD', amount: '0.001', vcpus: 1 };
    expect(costOfCpuSeconds(9, p)).toBe(0.000002);
    expect(costOfCpuSeconds(27, p)).toBe(0.000008);
  });

  it('projects per hour and per 730-hour month from the CPU percent', () => {
    const p = { currency: 'USD', amount: '0.096', vcpus: 2 };
    expect(costPerHour(100, p)).toBe(0.048);
    expect(costPerHour(250, p)).toBe(0.12);
    expect(costPerMonth(100, p)).toBe(35.04);
    expect(costRate(7200, 2, p)).toEqual({ perHour: 0.048, perMonth: 35.04 });
    expect(perVcpuHour({ currency: 'USD', amount: '0.0416', vcpus: 2 })).toBe(0.0208);
  });

  it('adds and subtracts CPU seconds without float drift, and formats for people', () => {
    expect(subtract(12.34, 12.33)).toBe(0.01);
    expect(sum([0.1, 0.2])).toBe(0.3);
    expect(formatMoney(1.005, 'USD')).toBe('1.00 USD');
    expect(formatMoney(0.000165, 'EUR')).toBe('0.0002 EUR');
    // Rates keep 4 decimals below 1 (0.048 an hour is not "0.05"), half-even.
    expect(formatRate(0.048, 'USD')).toBe('0.0480 USD');
    expect(formatRate(0.00125, 'USD')).toBe('0.0012 USD');
    expect(formatRate(2.345, 'USD')).toBe('2.34 USD');
  });
});
