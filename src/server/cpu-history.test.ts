import { describe, expect, it } from 'vitest';
import { finding } from '../../test/fleet/fixtures.js';
import type { CpuSampleRecord, StoredFinding } from '../store/types.js';
import { downsample, latestOf, miningMarks, parseSince } from './cpu-history.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');

function rec(minute: number, busy: number, top: Array<[string, number]>, load?: number): CpuSampleRecord {
  return {
    id: `s${minute}`,
    hostId: 'h1',
    time: new Date(T0 + minute * 60_000).toISOString(),
    busyPercent: busy,
    ...(load !== undefined ? { load: [load, 0, 0] } : {}),
    top: top.map(([name, cpu], i) => ({
      pid: 100 + i,
      startTime: '2025-01-01T00:00:00.000Z',
      name,
      exe: `/usr/bin/${name}`,
      cpuPercent: cpu,
    })),
  };
}

describe('downsample', () => {
  it('gives each sample its own point when they fit', () => {
    const s = [rec(0, 10, [['a', 5]], 0.5), rec(1, 20, [])];
    expect(downsample(s, T0, T0 + 600_000, 2)).toEqual({
      bucketMs: 0,
      points: [
        {
          time: '2025-01-01T00:00:00.000Z',
          n: 1,
          avg: 10,
          max: 10,
          load: 0.5,
          top: [{ name: 'a', exe: '/usr/bin/a', cpuPercent: 5, maxPercent: 5 }],
        },
        { time: '2025-01-01T00:01:00.000Z', n: 1, avg: 20, max: 20, load: null, top: [] },
      ],
    });
  });

  it('averages buckets of equal width, keeps gaps, ranks processes by mean share with absences as 0', () => {
    // 10 minutes into 2 points: buckets of 5 minutes from T0.
    const s = [
      rec(0, 10, [
        ['miner', 100],
        ['sshd', 1],
      ]),
      rec(1, 30, [['miner', 50]], 2),
      rec(4, 20, [
        ['sshd', 3],
        ['cron', 2],
        ['bash', 1],
      ]),
      // Minutes 5-8 hold nothing; minute 9 alone.
      rec(9, 99.99, [['miner', 190]], 1),
    ];
    expect(downsample(s, T0, T0 + 600_000, 2)).toEqual({
      bucketMs: 300_000,
      points: [
        {
          time: '2025-01-01T00:00:00.000Z',
          n: 3,
          avg: 20,
          max: 30,
          load: 2,
          top: [
            { name: 'miner', exe: '/usr/bin/miner', cpuPercent: 50, maxPercent: 100 },
            { name: 'sshd', exe: '/usr/bin/sshd', cpuPercent: 1.33, maxPercent: 3 },
            { name: 'cron', exe: '/usr/bin/cron', cpuPercent: 0.67, maxPercent: 2 },
          ],
        },
        {
          time: '2025-01-01T00:05:00.000Z',
          n: 1,
          avg: 99.99,
          max: 99.99,
          load: 1,
          top: [{ name: 'miner', exe: '/usr/bin/miner', cpuPercent: 190, maxPercent: 190 }],
        },
      ],
    });
  });

  it('never gives more points than asked, whatever the spacing', () => {
    const s = Array.from({ length: 2000 }, (_, i) => rec(i * 0.5, i % 100, []));
    const { bucketMs, points } = downsample(s, T0, T0 + 1000 * 60_000, 500);
    expect(bucketMs).toBe(120_000);
    expect(points).toHaveLength(500);
    expect(points.every((p) => p.n === 4)).toBe(true);
    expect(points[0]).toMatchObject({ avg: 1.5, max: 3 });
  });
});

describe('parseSince', () => {
  const now = Date.parse('2025-06-01T12:00:00.000Z');
  it('reads durations and ISO times, refusing the future and more than 90 days', () => {
    expect(parseSince('24h', now)).toBe(now - 86_400_000);
    expect(parseSince('30m', now)).toBe(now - 1_800_000);
    expect(parseSince('2025-06-01T00:00:00Z', now)).toBe(Date.parse('2025-06-01T00:00:00Z'));
    expect(() => parseSince('91d', now)).toThrow(/since: 91d reaches back more than 90 days/);
    expect(() => parseSince('2025-06-02T00:00:00Z', now)).toThrow(/lies in the future/);
    expect(() => parseSince('yesterday', now)).toThrow(/since wants a duration like 30m, 24h or 7d/);
  });
});

describe('miningMarks and latestOf', () => {
  it('keeps miner and resource-hijacking findings, earliest first seen first', () => {
    const stored = (n: number, firstSeen: string, techniques: string[], ruleId?: string): StoredFinding => ({
      finding: { ...finding('h1', n), techniques, ...(ruleId ? { ruleId } : {}) },
      firstSeen,
      lastSeen: '2025-01-03T00:00:00.000Z',
    });
    const marks = miningMarks([
      stored(1, '2025-01-02T00:00:00.000Z', ['T1496']),
      stored(2, '2025-01-01T00:00:00.000Z', ['T1059', 'T1496'], 'custom.hijack'),
      stored(3, '2024-12-01T00:00:00.000Z', ['T1110'], 'ssh.brute-force'),
    ]);
    expect(marks.map((m) => [m.firstSeen, m.pid, m.exe])).toEqual([
      ['2025-01-01T00:00:00.000Z', 1002, '/tmp/.x/miner2'],
      ['2025-01-02T00:00:00.000Z', 1001, '/tmp/.x/miner1'],
    ]);
    expect(latestOf([])).toBeNull();
    expect(latestOf([rec(0, 1, []), rec(1, 2, [['x', 1]])])).toMatchObject({
      time: '2025-01-01T00:01:00.000Z',
      busyPercent: 2,
      cpus: null,
      top: [{ name: 'x', pid: 100 }],
    });
  });
});
