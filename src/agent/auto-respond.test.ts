import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../test/fleet/sim-agent.js';
import { TestDns } from '../../test/helpers/dnsmasq.js';
import { findTool } from '../respond/exec.js';
import { DEFAULT_POLICY_YAML, parsePolicy } from '../respond/policy.js';
import { openSession } from '../respond/session.js';
import { scanHost } from '../scan/scan.js';
import type { IngestBatch } from '../store/types.js';
import { Agent } from './agent.js';
import { AutoResponder, autoResponderFor } from './auto-respond.js';
import { HandledMemory } from './auto-respond-memory.js';
import { loadAgentConfig } from './config.js';
import { HttpTransport } from './transport.js';

const WALLET =
  '4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge';
const KEY = 'AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7vbqajDhA4M1nZpWQeFWLZJxg4dQ0hYcZXmQ3m8YvC3bS9fJ2 root@localhost';

describe('HandledMemory', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mw-auto-mem-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('forgets the oldest past its size, keeps the rest across a reload, and says when to decide again', () => {
    const file = join(dir, 'auto-respond.json');
    const m = new HandledMemory(file, 3);
    for (let i = 1; i <= 5; i++) m.remember(`f-${i}`, { at: i, mode: 'enforce' });
    m.remember('f-sim', { at: 6, mode: 'simulate' });
    m.remember('f-rate', { at: 7, mode: 'enforce', retryAt: 1000 });
    m.save();
    const back = new HandledMemory(file, 3);
    expect(back.size).toBe(3);
    expect(back.wants('f-1', 'enforce', 0)).toBe(true);
    expect(back.wants('f-5', 'enforce', 0)).toBe(false);
    // Simulated before: enforce decides again, simulate does not.
    expect(back.wants('f-sim', 'simulate', 0)).toBe(false);
    expect(back.wants('f-sim', 'enforce', 0)).toBe(true);
    expect(back.wants('f-rate', 'enforce', 999)).toBe(false);
    expect(back.wants('f-rate', 'enforce', 1000)).toBe(true);
  });

  it('a damaged file is ignored, not fatal', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"version":1,"handled":{"x":{"at":"soon"}}}');
    const logs: string[] = [];
    expect(new HandledMemory(file, 10, (m) => logs.push(m)).size).toBe(0);
    expect(logs).toEqual(['auto-respond memory ignored']);
  });
});

// A miner stand-in (a copy of bash named xmrig in a hidden /dev/shm directory) with a cron drop-in and an
// authorized_keys line naming it under a temporary root: enforce removes the cron file and kills the process, but
// leaves the key line, which needs a person's confirmation.
describe('AutoResponder on a real process with persistence under a temporary root', () => {
  let shm: string;
  let root: string;
  let state: string;
  let child: ChildProcess;
  const exe = () => join(shm, 'xmrig');

  beforeAll(() => {
    shm = mkdtempSync('/dev/shm/.mw-auto-unit-');
    root = mkdtempSync(join(tmpdir(), 'mw-auto-root-'));
    state = mkdtempSync(join(tmpdir(), 'mw-auto-state-'));
    copyFileSync('/bin/bash', exe());
    chmodSync(exe(), 0o755);
    mkdirSync(join(root, 'etc/cron.d'), { recursive: true });
    mkdirSync(join(root, 'root/.ssh'), { recursive: true, mode: 0o700 });
    writeFileSync(join(root, 'etc/cron.d/sysupdate'), `*/5 * * * * root ${exe()} -o 127.0.0.1:3333\n`);
    writeFileSync(join(root, 'root/.ssh/authorized_keys'), `command="${exe()}" ssh-rsa ${KEY}\n`, {
      mode: 0o600,
    });
    child = spawn(
      exe(),
      ['-c', 'read -r -t 120 x', 'xmrig', '-o', 'stratum+tcp://127.0.0.1:3333', '-u', WALLET],
      { stdio: ['pipe', 'ignore', 'ignore'] },
    );
  });

  afterAll(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const d of [shm, root, state]) rmSync(d, { recursive: true, force: true });
  });

  it('applies kill, quarantine and cron removal; skips the SSH key; ships one response.auto finding', async () => {
    const policy = parsePolicy(`version: 1
rules:
  - id: miners
    match: { rules: ['miner.cmdline'], minSeverity: high, evidence: [cmdline] }
    actions: [kill, quarantine, unpersist]
`);
    const shipped: IngestBatch[] = [];
    const auto = new AutoResponder({
      mode: 'enforce',
      policy: () => ({ policy, source: 'file' }),
      stateDir: state,
      root,
      procDir: '/proc',
      enqueue: (b) => shipped.push(b),
      accept: (f) => f.entity.exe?.startsWith(`${shm}/`) ?? false,
    });
    await until('stand-in running', () => existsSync(`/proc/${child.pid}/exe`));
    await new Promise((r) => setTimeout(r, 100));
    const scan = await scanHost({ sampleMs: 0, hash: false, files: false, logs: false });
    const mine = scan.findings.filter((f) => f.entity.pid === child.pid);
    expect(mine.map((f) => f.ruleId)).toContain('miner.cmdline');
    const t0 = performance.now();
    auto.offer(scan.snapshot.host, scan.findings);
    // The hook only queues: the run starts on a later turn of the event loop.
    expect(performance.now() - t0).toBeLessThan(50);
    expect(auto.queued).toBe(mine.filter((f) => f.ruleId === 'miner.cmdline').length);
    await auto.idle();
    expect(child.exitCode !== null || child.signalCode !== null || (await exitSoon(child))).toBe(true);
    expect(existsSync(exe())).toBe(false);
    expect(existsSync(join(root, 'etc/cron.d/sysupdate'))).toBe(false);
    expect(readFileSync(join(root, 'root/.ssh/authorized_keys'), 'utf8')).toContain(KEY);
    expect({ applied: auto.applied, skipped: auto.skipped, runs: auto.runs }).toEqual({
      applied: 3,
      skipped: 1,
      runs: 1,
    });

    const s = await openSession({ stateDir: state, root, policy });
    try {
      const entries = await s.journal.list();
      expect(entries.map((e) => `${e.kind}:${e.status}`).sort()).toEqual([
        'kill:applied',
        'quarantine:applied',
        'unpersist:applied',
        'unpersist:skipped',
      ]);
      expect(entries.find((e) => e.status === 'skipped')?.detail).toContain('needs confirmation');
    } finally {
      await s.close();
    }
    expect(shipped).toHaveLength(1);
    const report = shipped[0]?.findings[0];
    expect(report).toMatchObject({
      ruleId: 'response.auto',
      severity: 'info',
      evidence: { mode: 'enforce' },
    });

    // The same findings again (the next scan): nothing is planned, nothing shipped.
    auto.offer(scan.snapshot.host, scan.findings);
    expect(auto.queued).toBe(0);
    await auto.stop();
    expect(shipped).toHaveLength(1);
  }, 60_000);
});

function exitSoon(c: ChildProcess): Promise<boolean> {
  return new Promise((r) => {
    const t = setTimeout(() => r(false), 2000);
    c.once('exit', () => {
      clearTimeout(t);
      r(true);
    });
  });
}

describe('autoResponderFor', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mw-auto-cfg-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const config = (autoRespond: Record<string, unknown>) =>
    loadAgentConfig(undefined, { server: 'http://127.0.0.1:1', stateDir: dir, autoRespond });
  const wiring = (pushed: () => ReturnType<typeof parsePolicy> | null) => ({
    pushed,
    enqueue: () => undefined,
    procDir: '/proc',
  });

  it('simulate by default; a host file wins over the pushed policy, the pushed one over the built-in; off is null', () => {
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, 'version: 1\nrules:\n  - id: only-kill\n    actions: [kill]\n');
    const pushed = parsePolicy(DEFAULT_POLICY_YAML.replace('kill-confirmed-miners', 'pushed-kill'));
    let current: typeof pushed | null = null;
    const auto = autoResponderFor(
      config({ policy: file }),
      wiring(() => current),
    );
    expect(auto?.mode).toBe('simulate');
    expect(auto?.policyInForce()).toMatchObject({ source: 'file', policy: { rules: [{ id: 'only-kill' }] } });
    current = pushed;
    expect(auto?.policyInForce()).toMatchObject({ source: 'file', policy: { rules: [{ id: 'only-kill' }] } });
    const noFile = autoResponderFor(
      config({ mode: 'enforce' }),
      wiring(() => current),
    );
    expect(noFile?.mode).toBe('enforce');
    expect(noFile?.policyInForce().source).toBe('pushed');
    expect(noFile?.policyInForce().policy.rules[0]?.id).toBe('pushed-kill');
    current = null;
    expect(noFile?.policyInForce().source).toBe('built-in');
    expect(
      autoResponderFor(
        config({ mode: 'off' }),
        wiring(() => pushed),
      ),
    ).toBeNull();
  });

  it('a policy file with an error stops the start, naming file, line and field', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nrules:\n  - id: x\n    actions: [explode]\n');
    expect(() =>
      autoResponderFor(
        config({ policy: bad }),
        wiring(() => null),
      ),
    ).toThrow(expect.objectContaining({ code: 'MW_CONFIG_INVALID' }));
  });
});

describe('the Agent onFindings hook', () => {
  it('sees every queued batch with findings; a hook that throws is logged and the batch stays queued', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-auto-hook-'));
    const seen: number[] = [];
    const logs: string[] = [];
    const agent = new Agent({
      config: loadAgentConfig(undefined, { server: 'http://127.0.0.1:1', stateDir: dir }),
      transport: new HttpTransport('http://127.0.0.1:1', () => 'x'),
      log: (m) => logs.push(m),
      onFindings: (_h, f) => {
        seen.push(f.length);
        throw new Error('boom');
      },
    });
    try {
      const host = { id: 'h1', name: 'h1' };
      const finding = {
        id: 'f-1',
        ruleId: 'miner.cmdline',
        title: 't',
        severity: 'critical' as const,
        confidence: 0.9,
        category: 'impact' as const,
        techniques: [],
        host,
        time: new Date().toISOString(),
        entity: { kind: 'process' as const, pid: 4242 },
        evidence: {},
      };
      const empty = { host, incidents: [], heartbeats: [], inventory: [] };
      agent.enqueue({ ...empty, batchId: 'b1', findings: [finding] });
      agent.enqueue({ ...empty, batchId: 'b2', findings: [] });
      expect(seen).toEqual([1]);
      expect(logs).toEqual(['findings hook failed']);
      expect(agent.queue.stats().depth).toBe(2);
    } finally {
      await agent.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// A pool known only by name: the run resolves it as `respond` does (a dnsmasq the test starts on loopback answers)
// and plans a block of its address, simulated: no firewall is touched.
const dnsmasq = findTool('dnsmasq');
if (process.env.MINEWARDEN_REQUIRE_SERVICES === '1' && !dnsmasq)
  throw new Error('MINEWARDEN_REQUIRE_SERVICES=1 but dnsmasq (Debian: dnsmasq-base) is missing');

describe.skipIf(!dnsmasq)('AutoResponder with a pool domain on the command line', () => {
  let dir: string;
  let shm: string;
  let dns: TestDns;
  let child: ChildProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mw-auto-dns-'));
    shm = mkdtempSync('/dev/shm/.mw-auto-dns-');
    copyFileSync('/bin/bash', join(shm, 'xmrig'));
    chmodSync(join(shm, 'xmrig'), 0o755);
    dns = await TestDns.start(dnsmasq!, join(dir, 'hosts'), '', ['/pool.auto.test/198.51.100.77']);
    child = spawn(
      join(shm, 'xmrig'),
      ['-c', 'read -r -t 120 x', 'xmrig', '-o', 'stratum+tcp://pool.auto.test:3333', '-u', WALLET],
      { stdio: ['pipe', 'ignore', 'ignore'] },
    );
    await until('stand-in running', () => existsSync(`/proc/${child.pid}/exe`));
  });

  afterAll(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    dns?.stop();
    for (const d of [dir, shm]) rmSync(d, { recursive: true, force: true });
  });

  it('journals a simulated block of the address the name resolves to', async () => {
    const policy = parsePolicy(`version: 1
rules:
  - id: block-pools
    match: { rules: ['miner.cmdline'], minSeverity: medium }
    actions: [block]
    duration: 1h
resolve: { servers: ['${dns.server}'] }
`);
    const shipped: IngestBatch[] = [];
    const state = join(dir, 'state');
    const auto = new AutoResponder({
      mode: 'simulate',
      policy: () => ({ policy, source: 'file' }),
      stateDir: state,
      root: dir,
      procDir: '/proc',
      enqueue: (b) => shipped.push(b),
      accept: (f) => f.entity.exe?.startsWith(`${shm}/`) ?? false,
    });
    await new Promise((r) => setTimeout(r, 100));
    const scan = await scanHost({ sampleMs: 0, hash: false, files: false, logs: false });
    auto.offer(scan.snapshot.host, scan.findings);
    await auto.stop();
    const s = await openSession({ stateDir: state, root: dir, policy });
    try {
      const entries = await s.journal.list();
      expect(entries.map((e) => `${e.kind}:${e.status}:${e.target}`)).toEqual([
        'block:simulated:pool.auto.test',
      ]);
      expect(entries[0]?.params).toMatchObject({ addrs: ['198.51.100.77'], timeoutSec: 3600 });
    } finally {
      await s.close();
    }
    expect(shipped[0]?.findings[0]?.evidence.notes).toEqual(
      expect.arrayContaining([expect.stringContaining('pool domain pool.auto.test -> 198.51.100.77')]),
    );
    expect(child.exitCode).toBeNull();
  }, 60_000);
});
