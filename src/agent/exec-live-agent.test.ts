import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drained, until } from '../../test/fleet/sim-agent.js';
import { sqliteServer, startEnrolledAgent } from '../../test/helpers/fleet-harness.js';
import type { RunningServer } from '../server/run.js';
import { openExecSource } from '../sources/exec/index.js';
import type { StoredFinding } from '../store/types.js';
import type { Agent } from './agent.js';

// The agent's exec feed needs the proc connector (root, initial namespaces). Where it is missing the test is
// skipped, except under MINEWARDEN_REQUIRE_SERVICES=1 (CI), where it runs and fails with the reason.
const probe = openExecSource({ hostId: 'probe' });
const probeStatus = probe.status();
await probe.stop();
const runNetlink = probeStatus.mode === 'netlink' || process.env.MINEWARDEN_REQUIRE_SERVICES === '1';

const MINER_ARGS = ['-o', 'stratum+tcp://127.0.0.1:3333', '--donate-level', '1'];
const LIVE_RULES = ['proc.exe.writable-path', 'miner.cmdline', 'proc.masquerade.kernel-thread'];

let srv: RunningServer;
let agent: Agent;
let work: string;
let shm: string;
const children: ChildProcess[] = [];

function exited(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r();
    else child.once('exit', () => r());
  });
}

async function findingsOf(pid: number): Promise<StoredFinding[]> {
  const hostId = agent.currentHost()?.id;
  const rows = await srv.store.fleet.listFindings({ ...(hostId ? { hostId } : {}), limit: 100_000 });
  return rows.filter((r) => r.finding.entity.kind === 'process' && r.finding.entity.pid === pid);
}

beforeAll(async () => {
  if (!runNetlink) return;
  work = mkdtempSync(join(tmpdir(), 'mw-exec-live-'));
  // A hidden directory in /dev/shm, as droppers use; the binaries are copies of bash and sleep.
  shm = mkdtempSync('/dev/shm/.mw-live-');
  for (const [from, to] of [
    ['/bin/bash', 'kdevtmpfsi'],
    ['/bin/sleep', 'dropper'],
  ] as const) {
    copyFileSync(from, join(shm, to));
    chmodSync(join(shm, to), 0o755);
  }
  srv = await sqliteServer(work);
  mkdirSync(join(work, 'state'));
  // Scans ten minutes apart: whatever reaches the server after the first scan came through the live exec path.
  agent = await startEnrolledAgent(
    srv,
    { root: '/', stateDir: join(work, 'state') },
    {
      scanIntervalMs: 600_000,
      sources: { exec: 'auto', authLog: { enabled: false }, dnsWatch: { enabled: false }, flushMs: 1000 },
    },
  );
  await until('first scan', () => agent.scans >= 1 || agent.lastError !== null, 120_000);
}, 180_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(children.map(exited));
  await agent?.stop();
  await srv?.close();
  if (shm) rmSync(shm, { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.runIf(runNetlink)('agent exec feed, detected live', () => {
  let minerPid = 0;
  const liveIds = new Map<string, string>();

  it('ships a miner started between scans within a few seconds, long before the next scan', async () => {
    expect(agent.lastError).toBeNull();
    const feed = agent.heartbeat().exec;
    expect(feed, `netlink unavailable: ${feed?.reason}`).toMatchObject({ mode: 'netlink' });
    // bash ignores the operands after its script, so the miner options ride along harmlessly; argv[0] is a kernel
    // thread's name. It waits on stdin (a pipe we never write) for at most a minute.
    const miner = spawn(join(shm, 'kdevtmpfsi'), ['-c', 'read -r -t 60 x', 'kworker/0:1', ...MINER_ARGS], {
      argv0: 'kworker/0:1',
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    children.push(miner);
    minerPid = miner.pid!;
    const t0 = Date.now();
    await until(
      'live miner findings stored',
      async () => {
        const rules = (await findingsOf(minerPid)).map((r) => r.finding.ruleId);
        return LIVE_RULES.every((r) => rules.includes(r));
      },
      5000,
    );
    const took = Date.now() - t0;
    console.log(`exec -> stored on the server: ${took} ms`);
    expect(agent.scans).toBe(1);
    const rows = await findingsOf(minerPid);
    for (const r of rows) liveIds.set(r.finding.ruleId, r.finding.id);
    expect(rows.find((r) => r.finding.ruleId === 'miner.cmdline')?.finding).toMatchObject({
      severity: 'critical',
      entity: { exe: join(shm, 'kdevtmpfsi'), name: 'kdevtmpfsi' },
    });
    expect(
      rows.find((r) => r.finding.ruleId === 'proc.masquerade.kernel-thread')?.finding.evidence,
    ).toMatchObject({ argv0: 'kworker/0:1' });
  });

  it('ships a dropper that lives 50 ms', async () => {
    const dropper = spawn(join(shm, 'dropper'), ['0.05'], { stdio: 'ignore' });
    children.push(dropper);
    const pid = dropper.pid!;
    await exited(dropper);
    await until(
      'dropper finding stored',
      async () => (await findingsOf(pid)).some((r) => r.finding.ruleId === 'proc.exe.writable-path'),
      5000,
    );
    expect(agent.scans).toBe(1);
  });

  it('a scan while the miner runs ships the same ids, and does not ship the dropper again', async () => {
    expect(minerPid).toBeGreaterThan(0);
    expect(liveIds.size).toBeGreaterThanOrEqual(LIVE_RULES.length);
    const before = agent.shipper.sent;
    await agent.scanOnce();
    await until('scan shipped', () => drained([agent]) && agent.shipper.sent > before);
    const rows = await findingsOf(minerPid);
    const rules = rows.map((r) => r.finding.ruleId);
    // One finding per rule for the process: the scan's copies took the live ids (the store upserts by id).
    expect(rules.length).toBe(new Set(rules).size);
    for (const [rule, id] of liveIds) {
      const row = rows.find((r) => r.finding.ruleId === rule);
      expect(row?.finding.id, rule).toBe(id);
      // The scan saw it later: the stored window widened to the snapshot's time.
      expect(Date.parse(row!.lastSeen), rule).toBeGreaterThan(Date.parse(row!.firstSeen));
    }
    const dropperRows = (await srv.store.fleet.listFindings({ limit: 100_000 })).filter(
      (r) => r.finding.entity.exe === join(shm, 'dropper'),
    );
    expect(dropperRows).toHaveLength(1);
    expect(dropperRows[0]?.lastSeen).toBe(dropperRows[0]?.firstSeen);
  });

  it('after a scan renewed the detectors, a new dropper still ships live', async () => {
    const scans = agent.scans;
    const dropper = spawn(join(shm, 'dropper'), ['0.05'], { stdio: 'ignore' });
    children.push(dropper);
    const pid = dropper.pid!;
    await exited(dropper);
    await until(
      'second dropper finding stored',
      async () => (await findingsOf(pid)).some((r) => r.finding.ruleId === 'proc.exe.writable-path'),
      5000,
    );
    expect(agent.scans).toBe(scans);
  });
});
