import { describe, expect, it } from 'vitest';
import type { Finding } from '../model/finding.js';
import { burners, MINING_NOW_MS, type SeenFinding, totalsByCurrency } from './burn.js';

const H = 3_600_000;
const NOW = Date.parse('2026-03-04T10:30:00Z');

function seen(
  hostId: string,
  pid: number,
  currency: string,
  perHour: number,
  from: number,
  to: number,
  ruleId = 'miner.cmdline',
): SeenFinding {
  const finding: Finding = {
    id: `${hostId}-${pid}-${ruleId}`,
    ruleId,
    title: 'miner',
    severity: 'critical',
    confidence: 0.9,
    category: 'impact',
    techniques: [],
    host: { id: hostId, name: hostId },
    time: new Date(to).toISOString(),
    entity: { kind: 'process', pid, startTime: '2026-03-03T00:00:00Z' },
    evidence: { cost: { currency, perHour, perMonth: perHour * 730, sinceStart: 1, cpuSeconds: 10 } },
  };
  return { finding, firstSeen: new Date(from).toISOString(), lastSeen: new Date(to).toISOString() };
}

describe('burners and totals', () => {
  it('bills perHour x the time each process ran inside the window, in exact decimals, per currency', () => {
    const bs = burners(
      [
        // Running (seen a minute ago) since 24 h back: inside a 3 h window it ran 3 h.
        seen('h1', 1, 'USD', 0.07, NOW - 24 * H, NOW - 60_000),
        seen('h1', 1, 'USD', 0.07, NOW - 24 * H, NOW - 60_000, 'net.pool-connection'),
        // Stopped 2 h ago after 2.5 h: 1 h of it inside the window.
        seen('h2', 7, 'USD', 0.000003, NOW - 4.5 * H, NOW - 2 * H),
        seen('h3', 9, 'EUR', 0.1, NOW - 30 * 60_000, NOW - 30_000),
      ],
      NOW,
    );
    expect(bs).toHaveLength(3);
    const t = totalsByCurrency(bs, NOW - 3 * H, NOW);
    // By hand: USD 0.07 x 3 + 0.000003 x 1 = 0.210003 (0.07 * 3 in floats is 0.21000000000000002); only pid 1
    // mines now: 0.07 per hour, 0.07 x 730 = 51.1 a month. EUR: 0.1 x 0.5 h = 0.05.
    // Largest monthly projection first.
    expect(t).toEqual([
      { currency: 'EUR', burned: 0.05, perHour: 0.1, perMonth: 73, processes: 1, running: 1 },
      { currency: 'USD', burned: 0.210003, perHour: 0.07, perMonth: 51.1, processes: 2, running: 1 },
    ]);
  });

  it('counts a process seen within MINING_NOW_MS as running until now, and one seen earlier as stopped', () => {
    const [fresh] = burners([seen('h1', 1, 'USD', 0.1, NOW - H, NOW - MINING_NOW_MS)], NOW);
    const [stale] = burners([seen('h1', 1, 'USD', 0.1, NOW - H, NOW - MINING_NOW_MS - 1)], NOW);
    expect(fresh).toMatchObject({ now: true, to: NOW });
    expect(stale).toMatchObject({ now: false, to: NOW - MINING_NOW_MS - 1 });
  });
});
