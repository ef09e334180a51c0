import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MinewardenError } from '../model/errors.js';
import { accountWindow } from './accounting.js';
import { appendSample, pickBaseline, readHistory } from './history.js';
import { HOUR_MS, hourlyUsage } from './hourly.js';
import type { UsageSample } from './sample.js';

const PRICE = { currency: 'USD', amount: '0.096', vcpus: 2 };
const T0 = Date.UTC(2026, 10, 20, 10);
const BOOT = T0 - 10 * HOUR_MS;

function sample(
  time: number,
  host: number,
  procs: Array<[number, number, number]>,
  extra: Partial<UsageSample> = {},
): UsageSample {
  return {
    v: 1,
    time,
    hostId: 'h1',
    hostName: 'web-1',
    bootTime: BOOT,
    cpus: 2,
    hostCpuSeconds: host,
    processes: procs.map(([pid, startTime, cpu]) => ({
      pid,
      startTime,
      name: `p${pid}`,
      exe: null,
      containerId: null,
      cpuSeconds: cpu,
      childCpuSeconds: 0,
    })),
    containers: [],
    ...extra,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'mw-cost-hist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('window accounting', () => {
  it('charges each process the CPU it used since the baseline sample, or since it started when younger', () => {
    const base = sample(T0, 1000, [
      [100, BOOT, 500.5],
      [200, BOOT, 10],
    ]);
    const now = sample(T0 + HOUR_MS, 4600, [
      [100, BOOT, 3200.25],
      [200, T0 + 30 * 60_000, 40], // pid 200 reused by a new process: its own start counts
      [300, T0 + 50 * 60_000, 7.77],
    ]);
    const r = accountWindow(base, now, PRICE, T0);
    expect(r.window).toMatchObject({ from: T0, to: T0 + HOUR_MS, baselineSample: T0 });
    expect(r.host).toMatchObject({ cpuSeconds: 3600, cost: 0.048, avgCpuPercent: 100, since: 'sample' });
    const [p100, p200, p300] = [100, 200, 300].map((pid) => r.processes.find((p) => p.pid === pid));
    expect(p100).toMatchObject({ cpuSeconds: 2699.75, since: 'sample', cost: 0.035997 });
    expect(p200).toMatchObject({ cpuSeconds: 40, since: 'process-start', from: T0 + 30 * 60_000 });
    expect(p300).toMatchObject({ cpuSeconds: 7.77, cost: 0.000104 });
    expect(r.processes.map((p) => p.pid)).toEqual([100, 200, 300]);
  });

  it('without any earlier sample, runs from process start and host boot', () => {
    const now = sample(T0, 7200, [[1, BOOT, 36]]);
    const r = accountWindow(null, now, PRICE, T0 - 24 * HOUR_MS);
    expect(r.window.baselineSample).toBeNull();
    expect(r.host).toMatchObject({ since: 'boot', from: BOOT, cpuSeconds: 7200, cost: 0.096 });
    expect(r.processes[0]).toMatchObject({ since: 'process-start', cpuSeconds: 36 });
  });

  it('picks the latest sample at or before the window start, ignoring other boots', () => {
    const now = sample(T0 + 24 * HOUR_MS, 0, []);
    const h = [
      sample(T0 - HOUR_MS, 0, [], { bootTime: BOOT - 1 }),
      sample(T0 - 1000, 0, []),
      sample(T0 + 5 * HOUR_MS, 0, []),
    ];
    expect(pickBaseline(h, now, T0)?.time).toBe(T0 - 1000);
    expect(pickBaseline(h.slice(2), now, T0)?.time).toBe(T0 + 5 * HOUR_MS);
    expect(pickBaseline([h[0]!], now, T0)).toBeNull();
  });
});

describe('hourly usage', () => {
  it('spreads deltas over clock hours and skips gaps and reboots', () => {
    const s = [
      sample(T0, 0, []),
      sample(T0 + 30 * 60_000, 1800, []),
      sample(T0 + 90 * 60_000, 5400, []), // 3600 s over an hour: half in each clock hour
      sample(T0 + 20 * HOUR_MS, 9000, []), // a gap of 18 h: not interpolated
    ];
    const hours = hourlyUsage(s);
    expect(hours).toEqual([
      { hour: T0, cpuSeconds: 3600 },
      { hour: T0 + HOUR_MS, cpuSeconds: 3600 },
    ]);
    expect(hourlyUsage([sample(T0, 100, []), sample(T0 + HOUR_MS, 50, [], { bootTime: BOOT + 1 })])).toEqual(
      [],
    );
  });
});

describe('state file', () => {
  it('appends, reads back only this host, and prunes past retention', () => {
    const f = join(dir, 'sub', 'state.ndjson');
    const a = sample(T0, 1, []);
    appendSample(f, a, []);
    appendSample(f, { ...sample(T0 + 1000, 2, []), hostId: 'other' }, [a]);
    expect(readHistory(f, 'h1')).toEqual([a]);
    expect(readHistory(f)).toHaveLength(2);
    const later = sample(T0 + 40 * 24 * HOUR_MS, 3, []);
    appendSample(f, later, readHistory(f, 'h1'));
    expect(readHistory(f)).toEqual([later]);
    expect(readHistory(join(dir, 'none.ndjson'))).toEqual([]);
  });

  it('keeps process lists for a week and host totals for four, compacting at most once a day', () => {
    const f = join(dir, 'compact.ndjson');
    const DAY = 24 * HOUR_MS;
    const proc: Array<[number, number, number]> = [[7, BOOT, 1]];
    const old = sample(T0, 1, proc);
    appendSample(f, old, []);
    // 7.5 days later: not yet a full day past the process-list week, so a plain append.
    const mid = sample(T0 + 7.5 * DAY, 2, proc);
    appendSample(f, mid, readHistory(f));
    expect(readHistory(f).map((s) => s.processes.length)).toEqual([1, 1]);
    // 8.5 days after the first: its process list goes, its host total stays.
    const late = sample(T0 + 8.5 * DAY, 3, proc);
    appendSample(f, late, readHistory(f));
    expect(readHistory(f).map((s) => [s.hostCpuSeconds, s.processes.length])).toEqual([
      [1, 0],
      [2, 1],
      [3, 1],
    ]);
  });

  it('ignores a last line cut short by a crash, and names file:line of any other bad line', () => {
    const f = join(dir, 'cut.ndjson');
    writeFileSync(f, `${JSON.stringify(sample(T0, 1, []))}\n{"v":1,"time":12`);
    expect(readHistory(f)).toHaveLength(1);
    appendFileSync(f, '\n{"v":1}\n');
    let err: unknown;
    try {
      readHistory(f);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MinewardenError);
    expect((err as MinewardenError).message).toContain('cut.ndjson:2');
    writeFileSync(f, `${JSON.stringify({ ...sample(T0, 1, []), hostCpuSeconds: -1 })}\n`);
    expect(() => readHistory(f)).toThrow(/cut\.ndjson:1, field hostCpuSeconds/);
    expect(readFileSync(f, 'utf8')).toContain('"v":1');
  });
});
