import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

const WALLET =
  '4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge';

/** A miner stand-in this test started: a copy of bash under a miner's name in the test's own temp dir. */
export interface StandIn {
  pid: number;
  exe: string;
  /** Running (not gone, not a zombie waiting to be reaped). */
  alive(): boolean;
  gone(ms: number): Promise<boolean>;
  /** Kills it if it is still ours and running: only this pid, whose executable is our copy. */
  stop(): void;
}

function state(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

/**
 * Starts the stand-in through `setsid -f`, so its parent is the init process and not this test's worker: the
 * correlator joins processes whose ancestors have findings, and a stand-in of another test on this machine, started
 * from a flagged ancestor, must not land in our incident. Its pool is on loopback (the safety layer never blocks
 * loopback, so no firewall here changes), on a port of its own; it waits on a FIFO.
 */
export async function startStandIn(dir: string, name = 'xmrig'): Promise<StandIn> {
  const bin = mkdtempSync(join(dir, 'bin-'));
  const exe = join(bin, name);
  // Opening a FIFO nobody writes to blocks for good: the stand-in waits without a pipe to this process.
  const fifo = join(bin, 'wait');
  execFileSync('mkfifo', [fifo]);
  copyFileSync('/bin/bash', exe);
  chmodSync(exe, 0o755);
  const port = 20_000 + Math.floor(Math.random() * 40_000);
  execFileSync(
    'setsid',
    ['-f', exe, '-c', `read -r line < ${fifo}`, name, '-o', `stratum+tcp://127.0.0.1:${port}`, '-u', WALLET],
    { stdio: 'ignore' },
  );
  let pid = 0;
  for (let i = 0; i < 200 && pid === 0; i++) {
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        if (readlinkSync(`/proc/${d}/exe`) === exe) pid = Number(d);
      } catch {}
    }
    if (pid === 0) await new Promise((r) => setTimeout(r, 25));
  }
  if (pid === 0) throw new Error(`the stand-in ${exe} did not start`);
  const alive = () => {
    const s = state(pid);
    return s !== null && s !== 'Z' && s !== 'X';
  };
  return {
    pid,
    exe,
    alive,
    async gone(ms) {
      const end = Date.now() + ms;
      while (alive()) {
        if (Date.now() > end) return false;
        await new Promise((r) => setTimeout(r, 25));
      }
      return true;
    },
    stop() {
      try {
        if (alive() && readlinkSync(`/proc/${pid}/exe`).startsWith(exe)) process.kill(pid, 'SIGKILL');
      } catch {}
    },
  };
}
