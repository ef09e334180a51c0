import { describe, expect, it } from 'vitest';
import type { Finding } from '../../model/finding.js';
import { hostStatus, poolsOf } from './classify.js';
import { burners, costSeries, moneyByCurrency } from './money.js';

const H = 3_600_000;
// 10:30 UTC: midnight is 10.5 hours back.
const NOW = Date.parse('2026-03-04T10:30:00Z');

function miner(
  pid: number,
  perHour: number,
  from: number,
  to: number,
  ruleId = 'miner.cmdline',
  cpu = perHour * 1000,
) {
  const finding: Finding = {
    id: `f-${pid}-${ruleId}`,
    ruleId,
    title: 'miner',
    severity: 'critical',
    confidence: 0.9,
    category: 'impact',
    techniques: [],
    host: { id: 'h1', name: 'h1' },
    time: new Date(to).toISOString(),
    entity: { kind: 'process', pid, startTime: '2026-03-03T00:00:00Z' },
    evidence: {
      commandLine: `x -o stratum+tcp://pool.example.org:3333 -u w`,
      cost: { currency: 'USD', perHour, perMonth: perHour * 730, cpuPercent: cpu },
    },
  };
  return { finding, firstSeen: new Date(from).toISOString(), lastSeen: new Date(to).toISOString() };
}

describe('dashboard money', () => {
  it('counts a process once, bills today from midnight, and projects only what mines now', () => {
    const running = miner(1, 0.1, NOW - 24 * H, NOW - 60_000);
    const sameProcess = miner(1, 0.1, NOW - 24 * H, NOW - 60_000, 'net.pool-connection');
    const stopped = miner(2, 0.2, NOW - 5 * H, NOW - 2 * H);
    const bs = burners([running, sameProcess, stopped], NOW);
    expect(bs).toHaveLength(2);
    const [m] = moneyByCurrency(bs, NOW);
    // 10.5 h x 0.1 (running since before midnight, until now) + 3 h x 0.2 (stopped two hours ago).
    expect(m).toEqual({ currency: 'USD', burnedToday: 1.65, perMonth: 73, perHour: 0.1 });
    const series = costSeries(bs, 'USD', NOW, 6);
    // Hours from 05:00; the stopped one ran 05:30-08:30, the last hour is half over.
    expect(series.map((p) => p.cost)).toEqual([0.2, 0.3, 0.3, 0.2, 0.1, 0.05]);
    // Mean CPU per hour: 100 % and 200 % processes; the half-over hour averages over its 30 minutes.
    expect(series.map((p) => p.cpu)).toEqual([200, 300, 300, 200, 100, 100]);
  });

  it('ranks a host mining now above a dark agent, and reads the pool from the command line', () => {
    const s = miner(1, 0.1, NOW - H, NOW - 60_000);
    expect(hostStatus('dark', [s], [], NOW)).toBe('mining');
    expect(hostStatus('dark', [miner(1, 0.1, NOW - 5 * H, NOW - 2 * H)], [], NOW)).toBe('dark');
    expect(hostStatus('alive', [], [], NOW)).toBe('clean');
    expect(poolsOf(s.finding)).toEqual(['pool.example.org:3333']);
  });

  it('ignores cost evidence that is malformed or negative', () => {
    const bad = miner(3, 0.1, NOW - H, NOW);
    bad.finding.evidence.cost = { currency: 'USD', perHour: -5, perMonth: 1 };
    const worse = miner(4, 0.1, NOW - H, NOW);
    worse.finding.evidence.cost = { currency: 7, perHour: '1e9' };
    expect(burners([bad, worse], NOW)).toEqual([]);
  });
});
