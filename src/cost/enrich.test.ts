import { afterEach, describe, expect, it } from 'vitest';
import { FakeRoot } from '../../test/helpers/fake-proc.js';
import { FindingSchema } from '../model/schemas.js';
import { scanHost } from '../scan/scan.js';
import { costOfCpuSeconds } from './money.js';
import { resolvePrice } from './resolve-price.js';

const WALLET =
  '4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge';

describe('cost evidence on scan findings', () => {
  let fake: FakeRoot;
  afterEach(() => fake.cleanup());

  it('prices the miner finding of a recorded host and leaves unrelated findings alone', async () => {
    fake = new FakeRoot();
    fake.add({ pid: 1, comm: 'init', argv: ['/sbin/init'], exe: '/sbin/init', cwd: '/' }).add({
      pid: 4242,
      comm: 'kdevtmpfsi',
      argv: ['kdevtmpfsi', '-o', 'stratum+tcp://pool.example:3333', '-u', WALLET, '--donate-level', '1'],
      exe: '/tmp/kdevtmpfsi',
      cwd: '/tmp',
      utime: 720_000, // 7200 s of user time
      stime: 3_600, // 36 s of system time
      starttime: 100, // 1 s after boot
    });
    const price = resolvePrice({ config: { perVcpuHour: '0.05', currency: 'EUR' } });
    const r = await scanHost({ root: fake.root, sampleMs: 0, hash: false, files: false, price });
    const miner = r.findings.find((f) => f.ruleId === 'miner.cmdline');
    expect(miner).toBeDefined();
    const cost = miner?.evidence.cost as Record<string, unknown>;
    expect(Object.keys(cost)).toEqual(
      expect.arrayContaining(['currency', 'sinceStart', 'perHour', 'perMonth', 'basis']),
    );
    expect(cost.currency).toBe('EUR');
    expect(cost.cpuSeconds).toBe(7236);
    // 7236 CPU-s x 0.05 EUR / 3600 = 0.1005 EUR.
    expect(cost.sinceStart).toBe(0.1005);
    expect(cost.sinceStart).toBe(costOfCpuSeconds(7236, price));
    // No sampling interval: the rate is the average since the start (btime 1700000000 + 1 s), over 730 h a month.
    expect(cost.rate).toBe('average-since-start');
    const hours = (r.snapshot.time - (1_700_000_000_000 + 1000)) / 3600_000;
    expect(cost.perHour as number).toBeCloseTo((7236 * 0.05) / 3600 / hours, 6);
    expect(cost.perMonth as number).toBeCloseTo(((7236 * 0.05) / 3600 / hours) * 730, 6);
    expect(String(cost.basis)).toContain('custom price 0.05 EUR per vCPU-hour');
    expect(FindingSchema.safeParse(miner).success).toBe(true);
    // The writable-path finding on the same low-CPU-unknown process is not a miner rule and has no sampled CPU.
    const other = r.findings.find((f) => f.ruleId === 'proc.exe.writable-path');
    if (other) expect(other.evidence.cost).toBeUndefined();
    expect(r.price).toBe(price);
  });
});
