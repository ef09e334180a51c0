import { describe, expect, it } from 'vitest';
import type { SeenFinding } from '../cost/burn.js';
import { type Finding, findingId } from '../model/finding.js';
import { IncidentSchema } from '../model/schemas.js';
import { incidentCost } from './incident-cost.js';
import { correlateIncidents } from './incidents.js';

const host = { id: 'h1', name: 'web-1' };
const T = '2026-11-26T10:00:00.000Z';
const START = '2026-11-26T08:00:00.000Z';

interface Cost {
  currency: string;
  sinceStart: number;
  perHour: number;
  perMonth: number;
  cpuSeconds: number;
}

function miner(ruleId: string, pid: number, cost: Cost | null, time = T, startTime = START): Finding {
  const entity = { kind: 'process' as const, pid, exe: `/dev/shm/m${pid}`, startTime };
  return {
    id: findingId(host.id, ruleId, entity),
    ruleId,
    title: ruleId,
    severity: 'critical',
    confidence: 0.9,
    category: 'impact',
    techniques: ['T1496'],
    host,
    time,
    entity,
    evidence: cost ? { cost: { ...cost, basis: 'test', childCpuSeconds: 0, cpuPercent: 100 } } : {},
  };
}

const once = (f: Finding): SeenFinding => ({ finding: f, firstSeen: f.time, lastSeen: f.time });

describe('incidentCost', () => {
  it('counts each process once, sums exactly and keeps currencies apart', () => {
    const a = { currency: 'USD', sinceStart: 0.1, perHour: 0.048, perMonth: 35.04, cpuSeconds: 0.1 };
    const b = { currency: 'USD', sinceStart: 0.2, perHour: 0.024001, perMonth: 17.52073, cpuSeconds: 0.2 };
    const c = { currency: 'EUR', sinceStart: 1.5, perHour: 0.04, perMonth: 29.2, cpuSeconds: 135000 };
    const cost = incidentCost(
      [
        once(miner('miner.cmdline', 100, a)),
        // The same process seen by two more rules: its money must not count three times.
        once(miner('net.pool-connection', 100, a)),
        once(miner('miner.cpu', 100, a)),
        once(miner('miner.cmdline', 200, b)),
        once(miner('miner.cmdline', 300, c)),
      ],
      null,
    );
    expect(cost).toBeDefined();
    expect(IncidentSchema.shape.cost.safeParse(cost).success).toBe(true);
    // By hand: USD 0.1 + 0.2 = 0.3 (binary floats would give 0.30000000000000004); per hour 0.048 + 0.024001 =
    // 0.072001; per month 35.04 + 17.52073 = 52.56073. EUR alone: 1.5, 0.04, 29.2.
    expect(cost?.money).toEqual([
      { currency: 'EUR', spent: 1.5, perHour: 0.04, perMonth: 29.2, processes: 1, running: 1 },
      { currency: 'USD', spent: 0.3, perHour: 0.072001, perMonth: 52.56073, processes: 2, running: 2 },
    ]);
    // CPU-seconds: 0.1 + 0.2 + 135000 = 135000.3, each process once.
    expect(cost?.cpuSeconds).toBe(135000.3);
    expect(cost?.processes).toBe(3);
    expect(cost?.startedAt).toBe(START);
    expect(cost?.firstSeen).toBe(T);
    expect(cost?.lastSeen).toBe(T);
  });

  it('takes a process’s newest figures, spans all sightings, and projects only what mines now', () => {
    const now = Date.parse('2026-11-26T12:00:00.000Z');
    const early = { currency: 'USD', sinceStart: 0.5, perHour: 0.1, perMonth: 73, cpuSeconds: 18000 };
    const late = { currency: 'USD', sinceStart: 0.7, perHour: 0.1, perMonth: 73, cpuSeconds: 25200 };
    const stopped = { currency: 'USD', sinceStart: 0.25, perHour: 0.05, perMonth: 36.5, cpuSeconds: 18000 };
    const cost = incidentCost(
      [
        {
          finding: miner('miner.cpu', 100, early, '2026-11-26T10:00:00.000Z'),
          firstSeen: '2026-11-26T09:00:00.000Z',
          lastSeen: '2026-11-26T10:00:00.000Z',
        },
        {
          finding: miner('miner.cmdline', 100, late, '2026-11-26T11:55:00.000Z'),
          firstSeen: '2026-11-26T09:30:00.000Z',
          lastSeen: '2026-11-26T11:55:00.000Z',
        },
        // Last seen two hours ago: what it spent counts, its rate no longer does.
        {
          finding: miner('miner.cmdline', 200, stopped, '2026-11-26T10:00:00.000Z'),
          firstSeen: '2026-11-26T09:45:00.000Z',
          lastSeen: '2026-11-26T10:00:00.000Z',
        },
        // pid 100 again but started later: another process (the miner restarted under a reused pid).
        {
          finding: miner(
            'miner.cmdline',
            100,
            stopped,
            '2026-11-26T10:00:00.000Z',
            '2026-11-26T09:59:00.000Z',
          ),
          firstSeen: '2026-11-26T10:00:00.000Z',
          lastSeen: '2026-11-26T10:00:00.000Z',
        },
      ],
      now,
    );
    // Spent: 0.7 (pid 100's newest, not 0.5 + 0.7) + 0.25 + 0.25 = 1.2; per hour only pid 100: 0.1, month 73.
    expect(cost?.money).toEqual([
      { currency: 'USD', spent: 1.2, perHour: 0.1, perMonth: 73, processes: 3, running: 1 },
    ]);
    expect(cost?.cpuSeconds).toBe(25200 + 18000 + 18000);
    expect(cost?.firstSeen).toBe('2026-11-26T09:00:00.000Z');
    expect(cost?.lastSeen).toBe('2026-11-26T11:55:00.000Z');
    expect(cost?.running).toBe(1);
  });

  it('gives no cost to findings without cost evidence, and ignores malformed evidence', () => {
    expect(incidentCost([once(miner('miner.cmdline', 100, null))], null)).toBeUndefined();
    const bad = miner('miner.cmdline', 100, null);
    bad.evidence.cost = { currency: 'USD', sinceStart: -1, perHour: '0.1', perMonth: 73 };
    expect(incidentCost([once(bad)], null)).toBeUndefined();
  });

  it('is filled by correlateIncidents for a mining incident and absent for one without miner findings', () => {
    const m = { currency: 'USD', sinceStart: 0.013333, perHour: 0.048, perMonth: 35.04, cpuSeconds: 1000 };
    const mining = miner('miner.cmdline', 100, m);
    const other: Finding = {
      ...miner('exec.tmp', 900, null),
      category: 'execution',
      severity: 'high',
      entity: { kind: 'process', pid: 900, exe: '/tmp/x' },
    };
    const incidents = correlateIncidents([mining, other]);
    expect(incidents).toHaveLength(2);
    const withCost = incidents.find((i) => i.findings.includes(mining.id));
    const without = incidents.find((i) => i.findings.includes(other.id));
    expect(withCost?.cost?.money).toEqual([
      { currency: 'USD', spent: 0.013333, perHour: 0.048, perMonth: 35.04, processes: 1, running: 1 },
    ]);
    expect(IncidentSchema.safeParse(withCost).success).toBe(true);
    expect(without).toBeDefined();
    expect(without && 'cost' in without).toBe(false);
  });
});
