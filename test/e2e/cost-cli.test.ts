import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/finding.js';
import { runCli } from '../helpers/cli.js';
import { FakeRoot } from '../helpers/fake-proc.js';

const HOUR = 3600_000;
/** The fake root's identity (test/helpers/fake-proc.ts): machine-id and btime. */
const HOST_ID = '0123456789abcdef0123456789abcdef';
const BOOT = 1_700_000_000_000;

interface CostJson {
  findings: Finding[];
  price: { kind: string; basis: string; currency: string };
  window: { baselineSample: number | null };
  cost: {
    currency: string;
    host: { cpuSeconds: number; cost: number };
    processes: Array<{ pid: number; cpuSeconds: number; cost: number; since: string }>;
  };
}

function kernelCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Writes `days` of hourly samples for the fake host, ending an hour ago; `extra(day, hour)` adds CPU-s to an hour. */
function writeHistory(file: string, days: number, extra: (day: number, hour: number) => number): void {
  const end = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
  const start = end - days * 24 * HOUR;
  let cumulative = 0;
  const lines: string[] = [];
  for (let t = start, i = 0; t <= end; t += HOUR, i++) {
    const day = Math.floor(i / 24);
    const hour = new Date(t).getUTCHours();
    // 10-30% of 2 vCPUs with a little deterministic wobble.
    const normal = (hour >= 8 && hour < 20 ? 0.3 : 0.1) * 7200 * (0.9 + ((i * 37) % 20) / 100);
    if (i > 0) cumulative += normal + extra(day, hour);
    lines.push(
      JSON.stringify({
        v: 1,
        time: t,
        hostId: HOST_ID,
        hostName: 'fakehost',
        bootTime: BOOT,
        cpus: 2,
        hostCpuSeconds: cumulative,
        processes: [],
        containers: [],
      }),
    );
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

describe('minewarden cost', () => {
  let fake: FakeRoot;
  let burner: ChildProcess | null = null;
  let meta: Server | null = null;

  beforeAll(() => {
    fake = new FakeRoot();
    fake.add({ pid: 1, comm: 'init', argv: ['/sbin/init'], exe: '/sbin/init', utime: 100, stime: 0 });
  });
  afterAll(() => fake.cleanup());
  afterEach(async () => {
    if (burner && burner.exitCode === null && burner.signalCode === null) {
      const gone = new Promise((r) => burner?.once('exit', r));
      burner.kill('SIGKILL');
      await gone;
    }
    burner = null;
    if (meta) await new Promise<void>((r) => meta?.close(() => r()));
    meta = null;
  });

  it('reports a busy loop with the CPU-seconds the kernel accounted and money = CPU-seconds x the given price', async () => {
    burner = spawn('bash', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
    const pid = burner.pid as number;
    await sleep(1500);
    burner.kill('SIGSTOP');
    await sleep(50);
    const kernel = kernelCpuSeconds(pid);
    const state = join(fake.root, 'live-state.ndjson');
    const r = await runCli([
      'cost',
      '--format',
      'json',
      '--no-metadata',
      '--price-per-vcpu-hour',
      '0.05',
      '--currency',
      'EUR',
      '--interval',
      '0',
      '--state',
      state,
      '--top',
      '100000',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as CostJson;
    expect(out.price).toMatchObject({ kind: 'custom', currency: 'EUR' });
    const row = out.cost.processes.find((p) => p.pid === pid);
    expect(row).toBeDefined();
    expect(kernel).toBeGreaterThan(0.05);
    expect(Math.abs((row?.cpuSeconds ?? 0) - kernel)).toBeLessThanOrEqual(0.05 * kernel);
    // cpuSeconds has 2 decimals: cents of a second x 0.05 / 3600, exactly, rounded half-even to 6 places.
    const num = BigInt(Math.round((row?.cpuSeconds ?? 0) * 100)) * 5n * 10n ** 6n;
    const den = 100n * 100n * 3600n;
    let q = num / den;
    if (2n * (num % den) > den || (2n * (num % den) === den && q % 2n === 1n)) q += 1n;
    expect(row?.cost).toBe(Number(q) / 1e6);
    // The run was recorded as history for the next one.
    expect(readFileSync(state, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('turns a mining jump in 14 days of history into one spend-deviation finding with the extra money', async () => {
    const state = join(fake.root, 'mining.ndjson');
    writeHistory(state, 14, (day) => (day === 13 ? 6480 : 0));
    const r = await runCli([
      'cost',
      '--root',
      fake.root,
      '--state',
      state,
      '--since',
      '12h',
      '--no-metadata',
      '--interval',
      '0',
      '--format',
      'json',
      '--no-record',
    ]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as CostJson;
    expect(out.findings).toHaveLength(1);
    const f = out.findings[0] as Finding;
    expect(f.ruleId).toBe('cost.cpu-spend-deviation');
    expect(f.host.id).toBe(HOST_ID);
    const ev = f.evidence as {
      deviationPercent: number;
      extraCost: { amount: number; currency: string; basis: string };
    };
    expect(ev.deviationPercent).toBeGreaterThan(200);
    expect(ev.extraCost.currency).toBe('USD');
    expect(ev.extraCost.amount).toBeGreaterThan(0);
    expect(ev.extraCost.basis).toContain('m5.large');
    expect(r.code).toBe(f.severity === 'high' || f.severity === 'critical' ? 1 : 0);
  });

  it('stays quiet for a daily batch job at the same hour', async () => {
    const state = join(fake.root, 'batch.ndjson');
    const batchHour = new Date(Date.now() - 5 * HOUR).getUTCHours();
    writeHistory(state, 14, (_day, hour) => (hour === batchHour ? 5760 : 0));
    const r = await runCli([
      'cost',
      '--root',
      fake.root,
      '--state',
      state,
      '--since',
      '24h',
      '--no-metadata',
      '--interval',
      '0',
      '--format',
      'json',
      '--no-record',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as CostJson).findings).toEqual([]);
  });

  it('prices by the instance type a metadata service on loopback reports', async () => {
    meta = createServer((req, res) => {
      if (req.method === 'PUT' && req.url === '/latest/api/token') return res.end('tok');
      if (req.url === '/latest/meta-data/instance-type' && req.headers['x-aws-ec2-metadata-token'] === 'tok')
        return res.end('c5.large');
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((ok) => meta?.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(meta.address() as AddressInfo).port}`;
    const r = await runCli([
      'cost',
      '--root',
      fake.root,
      '--state',
      join(fake.root, 'm.ndjson'),
      '--metadata-url',
      url,
      '--interval',
      '0',
      '--format',
      'json',
    ]);
    const out = JSON.parse(r.stdout) as CostJson & { instance: { instanceType: string } };
    expect(out.instance.instanceType).toBe('c5.large');
    expect(out.price.basis).toContain('c5.large');
    expect(out.price.basis).toContain('aws-imdsv2');
  });

  it('prints a table and exits 2 with one line on bad input', async () => {
    const t = await runCli([
      'cost',
      '--root',
      fake.root,
      '--state',
      join(fake.root, 't.ndjson'),
      '--no-metadata',
      '--interval',
      '0',
    ]);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain('Price: aws m5.large');
    expect(t.stdout).toMatch(/Processes\npid\s+name/);
    for (const args of [
      ['--since', 'yesterday'],
      ['--price-per-vcpu-hour', '-1'],
      ['--price-config', join(fake.root, 'nope.yaml')],
    ]) {
      const r = await runCli(['cost', '--root', fake.root, '--no-metadata', '--no-record', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/MW_(USAGE|INPUT_NOT_FOUND)/);
    }
    const bad = join(fake.root, 'bad.ndjson');
    writeFileSync(bad, '{"v":1}\n{}\n');
    const r = await runCli(['cost', '--root', fake.root, '--state', bad, '--no-metadata', '--interval', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad.ndjson:1');
  });
});
