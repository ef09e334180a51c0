import { describe, expect, it } from 'vitest';
import type { Finding } from '../../model/finding.js';
import { buildOverview } from './overview.js';

const NOW = Date.parse('2026-03-04T10:30:00Z');

/** A miner finding on `host` seen until a minute ago, priced at perHour in `currency`. */
function miner(host: string, pid: number, perHour: number, currency: string) {
  const finding: Finding = {
    id: `f-${host}-${pid}`,
    ruleId: 'miner.cmdline',
    title: 'miner',
    severity: 'critical',
    confidence: 0.9,
    category: 'impact',
    techniques: [],
    host: { id: host, name: host },
    time: new Date(NOW - 60_000).toISOString(),
    entity: { kind: 'process', pid, startTime: '2026-03-03T00:00:00Z' },
    evidence: {
      commandLine: 'x -o stratum+tcp://pool.example.org:3333 -u w',
      cost: { currency, perHour, perMonth: perHour * 730, cpuPercent: 100 },
    },
  };
  return { finding, firstSeen: new Date(NOW - 3_600_000).toISOString(), lastSeen: finding.time };
}

const host = (id: string) => ({
  id,
  name: id,
  liveness: 'alive' as const,
  lastSeen: new Date(NOW).toISOString(),
});

describe('overview host rows', () => {
  it("give each host's cost per hour in its currency, never adding currencies together", () => {
    const o = buildOverview(
      [host('a'), host('b'), host('c')],
      [
        miner('a', 1, 0.1, 'USD'),
        miner('a', 2, 0.25, 'USD'),
        miner('b', 3, 0.3, 'EUR'),
        miner('b', 4, 0.05, 'USD'),
      ],
      [],
      NOW,
    );
    const rows = Object.fromEntries(o.hosts.map((h) => [h.id, [h.costPerHour, h.currency]]));
    // a: 0.1 + 0.25 USD; b: 0.3 EUR is its largest figure (0.35 would be EUR and USD added); c: nothing mines.
    expect(rows).toEqual({ a: [0.35, 'USD'], b: [0.3, 'EUR'], c: [0, null] });
  });
});
