import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../test/fleet/sim-agent.js';
import { enrollmentToken, sqliteServer } from '../../test/helpers/fleet-harness.js';
import type { Finding } from '../model/finding.js';
import { sha256 } from '../respond/fsutil.js';
import type { JournalEntry } from '../respond/journal/journal.js';
import { loadPolicy } from '../respond/policy.js';
import { undoEntries } from '../respond/runner.js';
import { openSession } from '../respond/session.js';
import type { RunningServer } from '../server/run.js';
import type { Agent } from './agent.js';
import { loadAgentConfig } from './config.js';
import { startAgent } from './run.js';

// Miner stand-ins are copies of bash in a hidden /dev/shm directory, with an xmrig command line naming a pool on
// 127.0.0.1; bash ignores the operands after its script and waits on a pipe we never write. Automatic response is
// scoped to that directory, so the agent under test never signals a process this test did not start.
const WALLET =
  '4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge';
const MINER_ARGS = ['xmrig', '-o', 'stratum+tcp://127.0.0.1:3333', '-u', WALLET, '--donate-level', '1'];

let srv: RunningServer;
let agent: Agent | null = null;
let work: string;
let shm: string;
let stateDir: string;
let policyFile: string;
let metricsPort = 0;
const children: ChildProcess[] = [];

const exe = (name: string) => join(shm, name, 'xmrig');

function miner(name: string): ChildProcess {
  const child = spawn(exe(name), ['-c', 'read -r -t 120 x', ...MINER_ARGS], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  children.push(child);
  return child;
}

function gone(c: ChildProcess): boolean {
  return c.exitCode !== null || c.signalCode !== null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function start(mode: 'simulate' | 'enforce', exec: 'off' | 'auto' = 'off'): Promise<Agent> {
  const a = await startAgent(
    loadAgentConfig(undefined, {
      server: srv.url,
      token: await enrollmentToken(srv),
      stateDir,
      scanIntervalMs: 3_600_000,
      heartbeatIntervalMs: 3_600_000,
      scan: { root: '/', sampleMs: 0, hash: false },
      fleetBans: { enabled: false },
      contentSync: { enabled: false },
      posture: { intervalMs: 0 },
      sources: { exec, authLog: { enabled: false }, dnsWatch: { enabled: false }, flushMs: 200 },
      metrics: `127.0.0.1:${metricsPort}`,
      autoRespond: { mode, policy: policyFile },
    }),
    { autoRespondScope: (f: Finding) => f.entity.exe?.startsWith(`${shm}/`) ?? false },
  );
  agent = a;
  await until('first scan', () => a.scans >= 1 || a.lastError !== null, 60_000);
  expect(a.lastError).toBeNull();
  return a;
}

async function restart(mode: 'simulate' | 'enforce', exec: 'off' | 'auto' = 'off'): Promise<Agent> {
  await agent?.stop();
  agent = null;
  return start(mode, exec);
}

async function journal(): Promise<JournalEntry[]> {
  const s = await openSession({ stateDir, root: '/', policy: loadPolicy() });
  try {
    return await s.journal.list();
  } finally {
    await s.close();
  }
}

const about = (entries: readonly JournalEntry[], name: string) =>
  entries.filter((e) => e.target.includes(exe(name)));

async function reports(): Promise<Finding[]> {
  const rows = await srv.store.fleet.listFindings({ limit: 100_000 });
  return rows.map((r) => r.finding).filter((f) => f.ruleId === 'response.auto');
}

/** Scans, waits until the batches are sent, then gives a run the time it would take; the journal must not grow. */
async function scanChangesNothing(a: Agent): Promise<void> {
  const before = await journal();
  const sent = a.shipper.sent;
  await a.scanOnce();
  await until('scan shipped', () => a.shipper.sent > sent && a.queue.stats().depth === 0);
  await new Promise((r) => setTimeout(r, 1500));
  expect((await journal()).map((e) => `${e.id}:${e.status}`)).toEqual(
    before.map((e) => `${e.id}:${e.status}`),
  );
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'mw-auto-'));
  shm = mkdtempSync('/dev/shm/.mw-auto-');
  for (const name of ['a', 'allowed', 'c', 'd']) {
    mkdirSync(join(shm, name));
    copyFileSync('/bin/bash', exe(name));
    chmodSync(exe(name), 0o755);
  }
  stateDir = join(work, 'state');
  policyFile = join(work, 'policy.yaml');
  writeFileSync(
    policyFile,
    `version: 1
rules:
  - id: kill-test-miners
    match: { rules: ['miner.cmdline'], minSeverity: high, evidence: [cmdline] }
    actions: [kill, quarantine]
allow: { exePaths: ['${shm}/allowed/'] }
limits: { kill: { max: 2, window: 10m } }
`,
  );
  metricsPort = await freePort();
  srv = await sqliteServer(work);
}, 60_000);

afterAll(async () => {
  for (const c of children) if (!gone(c)) c.kill('SIGKILL');
  await agent?.stop();
  await srv?.close();
  if (shm) rmSync(shm, { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('automatic response in the agent', () => {
  let a: ChildProcess;
  let allowed: ChildProcess;
  const aSha = () => sha256(readFileSync('/bin/bash'));

  it('simulate (the default mode): journals what it would do, touches nothing, ships response.auto', async () => {
    a = miner('a');
    allowed = miner('allowed');
    await start('simulate');
    await until('simulated and refused steps journaled', async () => {
      const j = await journal();
      return about(j, 'a').length >= 2 && about(j, 'allowed').length >= 1;
    });
    const j = await journal();
    expect(
      about(j, 'a')
        .map((e) => `${e.kind}:${e.status}`)
        .sort(),
    ).toEqual(['kill:simulated', 'quarantine:simulated']);
    const refused = about(j, 'allowed');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ kind: 'kill', status: 'refused' });
    expect(refused[0]?.detail).toContain('allowlisted');
    expect(gone(a) || gone(allowed)).toBe(false);
    expect(statSync(exe('a')).isFile()).toBe(true);
    await until('response.auto shipped', async () => (await reports()).length >= 1);
    const rep = (await reports()).find((f) =>
      (f.evidence.actions as Array<{ target: string }>).some((x) => x.target.includes(exe('a'))),
    );
    expect(rep).toMatchObject({ severity: 'info', category: 'impact', evidence: { mode: 'simulate' } });
    expect(rep?.evidence.policyRules).toEqual(['kill-test-miners']);
    expect(rep?.evidence.runId).toBe(about(j, 'a')[0]?.runId);
    expect((rep?.evidence.findingIds as string[] | undefined)?.length).toBeGreaterThan(0);
  }, 90_000);

  it('the next scan does not decide the same findings again', async () => {
    await scanChangesNothing(agent!);
  }, 30_000);

  it('enforce (after a restart): kills and quarantines the stand-in within seconds, refuses the allowlisted one', async () => {
    await agent?.stop();
    agent = null;
    const t0 = Date.now();
    const ag = await start('enforce', 'auto');
    await until('stand-in killed', () => gone(a), 10_000);
    console.log(`agent start -> first scan -> stand-in killed: ${Date.now() - t0} ms`);
    expect(a.signalCode).toBe('SIGKILL');
    expect(() => statSync(exe('a'))).toThrow();
    // The process can be reaped before the runner journals the kill as applied: wait for the journal.
    await until('journal settled', async () =>
      about(await journal(), 'a').some((e) => e.kind === 'kill' && e.status === 'applied'),
    );
    const j = await journal();
    const enforced = about(j, 'a').filter((e) => !e.simulate);
    expect(enforced.map((e) => `${e.kind}:${e.status}`).sort()).toEqual([
      'kill:applied',
      'quarantine:applied',
    ]);
    expect(enforced.find((e) => e.kind === 'quarantine')?.verify?.ok).toBe(true);
    // Decided again under the new mode: the allowlisted process is refused once more, and stays alive.
    expect(about(j, 'allowed').map((e) => e.status)).toEqual(['refused', 'refused']);
    expect(gone(allowed)).toBe(false);
    await until('enforce report shipped', async () =>
      (await reports()).some((f) => f.evidence.mode === 'enforce'),
    );
    const rep = (await reports()).find(
      (f) => f.evidence.mode === 'enforce' && f.evidence.runId === enforced[0]?.runId,
    );
    expect(rep?.evidence.actions).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'kill', status: 'applied' })]),
    );
    await scanChangesNothing(ag);
  }, 90_000);

  it('after another restart nothing is decided again', async () => {
    const before = await journal();
    const ag = await restart('enforce', 'auto');
    await new Promise((r) => setTimeout(r, 1500));
    expect((await journal()).length).toBe(before.length);
    expect(gone(allowed)).toBe(false);
    await scanChangesNothing(ag);
  }, 90_000);

  it('a miner started between scans is killed from its live exec finding', async () => {
    const ag = agent!;
    const live = ag.heartbeat().exec?.mode === 'netlink';
    const scans = ag.scans;
    const t0 = Date.now();
    const c = miner('c');
    if (!live) {
      // Without the proc connector (not root, say) the next scan finds it instead.
      await new Promise((r) => setTimeout(r, 200));
      await ag.scanOnce();
    }
    await until('live stand-in killed', () => gone(c), 10_000);
    console.log(`exec -> killed (${live ? 'live exec finding' : 'scan'}): ${Date.now() - t0} ms`);
    if (live) expect(ag.scans).toBe(scans);
    await until('kill journaled', async () =>
      about(await journal(), 'c').some((e) => e.kind === 'kill' && e.status !== 'planned'),
    );
    const kills = about(await journal(), 'c').filter((e) => e.kind === 'kill');
    expect(kills.map((e) => e.status)).toEqual(['applied']);
  }, 30_000);

  it('the kill rate limit holds (2 in 10 minutes, counted across restarts): the third is refused and keeps its binary', async () => {
    const ag = agent!;
    const d = miner('d');
    await new Promise((r) => setTimeout(r, 300));
    await ag.scanOnce();
    await until('rate limit refusal journaled', async () => about(await journal(), 'd').length >= 2, 10_000);
    const j = about(await journal(), 'd');
    expect(j.map((e) => `${e.kind}:${e.status}`).sort()).toEqual(['kill:refused', 'quarantine:refused']);
    for (const e of j) expect(e.detail).toMatch(/^rate limit/);
    expect(gone(d)).toBe(false);
    expect(statSync(exe('d')).isFile()).toBe(true);
    await scanChangesNothing(ag);
  }, 60_000);

  it('counts runs and steps in /metrics', async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
    // This agent (since the last restart) applied the live kill of c and its quarantine, and refused d's pair.
    expect(value('minewarden_agent_auto_respond_runs_total')).toBeGreaterThanOrEqual(2);
    expect(value('minewarden_agent_auto_respond_applied_total')).toBe(2);
    expect(value('minewarden_agent_auto_respond_refused_total')).toBe(2);
    expect(value('minewarden_agent_auto_respond_pending')).toBe(0);
    // Remote response is on by default: the agent has asked the server for requests, and had none to run.
    expect(value('minewarden_agent_remote_response_polls_total')).toBeGreaterThanOrEqual(1);
    expect(value('minewarden_agent_remote_response_handled_total')).toBe(0);
  });

  it('undo (the API `minewarden undo --run` uses) restores the quarantined binary', async () => {
    const s = await openSession({ stateDir, root: '/', policy: loadPolicy() });
    try {
      const q = about(await s.journal.list(), 'a').find(
        (e) => e.kind === 'quarantine' && e.status === 'applied',
      );
      expect(q).toBeDefined();
      const outcomes = await undoEntries(await s.journal.list({ runId: q!.runId }), s.journal, s.ctx);
      expect(outcomes.find((o) => o.entry.kind === 'quarantine')).toMatchObject({ ok: true });
      // The kill cannot be undone and says so.
      expect(outcomes.find((o) => o.entry.kind === 'kill')).toMatchObject({ ok: false });
    } finally {
      await s.close();
    }
    expect(sha256(readFileSync(exe('a')))).toBe(aSha());
    expect(statSync(exe('a')).mode & 0o777).toBe(0o755);
  });
});
