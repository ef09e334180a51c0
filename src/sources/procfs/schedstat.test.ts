import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSchedstatWait, readWaitNs } from './schedstat.js';
import { takeSnapshot } from './snapshot.js';

describe('schedstat', () => {
  it('takes the runqueue wait (second field) and rejects garbage', () => {
    expect(parseSchedstatWait('77899 2499199 2\n')).toBe(2499199);
    expect(parseSchedstatWait('77899 -5 2')).toBeNull();
    expect(parseSchedstatWait('garbage')).toBeNull();
    expect(parseSchedstatWait('')).toBeNull();
  });

  const dir = mkdtempSync(join(tmpdir(), 'mw-schedstat-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sums the threads of a multi-threaded process and is null when a thread is malformed', () => {
    for (const [tid, text] of [
      ['7', '100 40 1\n'],
      ['8', '100 2 1\n'],
    ] as const) {
      mkdirSync(join(dir, '7/task', tid), { recursive: true });
      writeFileSync(join(dir, '7/task', tid, 'schedstat'), text);
    }
    expect(readWaitNs(dir, 7, 2)).toBe(42);
    writeFileSync(join(dir, '7/task/8/schedstat'), 'x');
    expect(readWaitNs(dir, 7, 2)).toBeNull();
    expect(readWaitNs(dir, 9, 1)).toBeNull();
  });

  it('reads a live process, single- and multi-threaded', () => {
    const child = spawn('sleep', ['5']);
    try {
      const pid = child.pid ?? 0;
      // Kernels built without CONFIG_SCHED_INFO have no schedstat: then null is the honest answer.
      const expected = existsSync('/proc/self/schedstat') ? expect.any(Number) : null;
      expect(readWaitNs('/proc', pid, 1)).toEqual(expected);
      expect(readWaitNs('/proc', process.pid, 4)).toEqual(expected);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a snapshot measures demand for busy processes and skips idle ones', async () => {
    if (!existsSync('/proc/self/schedstat')) return;
    const busy = spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
    const idle = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const snap = await takeSnapshot({ sampleMs: 300, hash: false });
      const b = snap.processes.find((p) => p.pid === busy.pid);
      const i = snap.processes.find((p) => p.pid === idle.pid);
      expect(b?.cpuWaitSeconds).toEqual(expect.any(Number));
      expect(b?.cpuDemandPercent).toBeGreaterThanOrEqual(b?.cpuPercent ?? Number.POSITIVE_INFINITY);
      expect(i).toBeDefined();
      expect(i?.cpuWaitSeconds).toBeUndefined();
    } finally {
      busy.kill('SIGKILL');
      idle.kill('SIGKILL');
    }
  });
});
