import { describe, expect, it } from 'vitest';
import { type ExecProcess, exitCodeOf, RecentProcesses } from './events.js';

function proc(pid: number): ExecProcess {
  return {
    pid,
    ppid: 1,
    name: `p${pid}`,
    args: [],
    startTime: 0,
    uid: 0,
    exe: null,
    exeDeleted: false,
    exeMemfd: false,
  };
}

describe('exitCodeOf', () => {
  it('reads wait(2) statuses the way a shell reports them', () => {
    expect(exitCodeOf(0)).toBe(0);
    expect(exitCodeOf(3 << 8)).toBe(3);
    expect(exitCodeOf(255 << 8)).toBe(255);
    expect(exitCodeOf(9)).toBe(137); // SIGKILL
    expect(exitCodeOf(0x80 | 11)).toBe(139); // SIGSEGV with a core dump
  });
});

describe('RecentProcesses', () => {
  it('stays within its bound, dropping the oldest first', () => {
    const r = new RecentProcesses(3);
    for (const pid of [1, 2, 3]) r.set(proc(pid));
    r.set(proc(1)); // refreshed: now the newest
    r.set(proc(4));
    expect(r.size).toBe(3);
    expect(r.get(2)).toBeUndefined();
    expect([...r.pids()]).toEqual([3, 1, 4]);
    r.delete(3);
    expect(r.get(3)).toBeUndefined();
  });
});
