import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLoadAvg } from '../sources/procfs/loadavg.js';
import { takeSnapshot } from '../sources/procfs/snapshot.js';
import { CpuSampleSchema, InventorySchema } from '../store/types.js';
import { cpuSampleOf, inventoryOf } from './batch.js';

let burner: ChildProcess;

beforeAll(() => {
  // A busy loop this test owns, so the sampled window has a process that certainly burns.
  burner = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
});

afterAll(() => {
  if (burner.exitCode === null) burner.kill('SIGKILL');
});

describe('the CPU sample of a scan', () => {
  it('holds the sampled window of a real snapshot: busy %, cores, load, the 5 busiest by CPU', async () => {
    const snap = await takeSnapshot({ sampleMs: 500, hash: false });
    const load = readLoadAvg('/proc');
    expect(load).toHaveLength(3);
    const s = cpuSampleOf(snap, { windowMs: 500, load });
    expect(s).toBeDefined();
    expect(CpuSampleSchema.parse(s)).toEqual(s);
    expect(s?.busyPercent).toBeGreaterThan(0);
    expect(s?.busyPercent).toBeLessThanOrEqual(100);
    expect(s?.cpus).toBe(snap.host.cpus);
    expect(s?.load).toEqual(load);
    const top = s?.top ?? [];
    expect(top.length).toBeGreaterThan(0);
    expect(top.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < top.length; i++)
      expect(top[i - 1]?.cpuPercent).toBeGreaterThanOrEqual(top[i]?.cpuPercent ?? 0);
    const mine = top.find((p) => p.pid === burner.pid);
    expect(mine, JSON.stringify(top)).toMatchObject({ name: 'node', exe: process.execPath });
    expect(mine?.cpuPercent).toBeGreaterThan(30);
    const proc = snap.processes.find((p) => p.pid === burner.pid);
    expect(mine?.startTime).toBe(new Date(proc?.startTime ?? 0).toISOString());
    // It rides on the scan's inventory, which the server's schema accepts as it is.
    const inv = inventoryOf(snap, 'x:inv', { windowMs: 500, load });
    expect(inv.cpu).toEqual(s);
    expect(InventorySchema.parse(inv)).toEqual(inv);
  });

  it('is left out when the scan did not sample CPU', async () => {
    const snap = await takeSnapshot({ sampleMs: 0, hash: false });
    expect(cpuSampleOf(snap)).toBeUndefined();
    expect(inventoryOf(snap, 'y:inv')).not.toHaveProperty('cpu');
  });
});
