import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshDetectors } from '../detect/detectors/ssh-detectors.js';
import { MinewardenError } from '../model/errors.js';
import type { Finding } from '../model/finding.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { readIdentity } from './identity.js';
import { Journal } from './journal/journal.js';
import { buildPlan } from './planner.js';
import { DEFAULT_POLICY_YAML, decide, loadPolicy, parseDuration, parsePolicy } from './policy.js';
import { runPlan } from './runner.js';
import { SafetyGuard } from './safety.js';
import type { ActionContext } from './types.js';

function finding(over: Partial<Finding> & Pick<Finding, 'ruleId'>): Finding {
  return {
    id: `f-${over.ruleId}`,
    title: over.ruleId,
    severity: 'critical',
    confidence: 0.9,
    category: 'impact',
    techniques: ['T1496'],
    host: { id: 'h', name: 'h' },
    time: '2026-01-01T00:00:00.000Z',
    entity: { kind: 'process', pid: 4242 },
    evidence: {},
    ...over,
  };
}

function errorOf(fn: () => unknown): MinewardenError {
  try {
    fn();
  } catch (err) {
    if (err instanceof MinewardenError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('policy: YAML, validated, with clear errors', () => {
  it('the built-in policy parses, and durations read as seconds', () => {
    const p = loadPolicy();
    expect(p.rules.map((r) => r.id)).toEqual([
      'kill-confirmed-miners',
      'block-pools',
      'remove-persistence',
      'ban-brute-force',
    ]);
    expect(p.rules[1]?.duration).toBe(86400);
    expect(p.ban).toEqual({ base: 600, factor: 2, max: 604800 });
    expect([
      parseDuration('90s'),
      parseDuration('10m'),
      parseDuration('2w'),
      parseDuration('x'),
      parseDuration(-1),
    ]).toEqual([90, 600, 1209600, null, null]);
  });

  it('names file, line and field of a bad value', () => {
    const text = 'version: 1\nrules:\n  - id: r1\n    actions: [kill, explode]\n';
    const err = errorOf(() => parsePolicy(text, 'p.yaml'));
    expect(err.code).toBe('MW_CONFIG_INVALID');
    expect(err.message).toMatch(/^p\.yaml:4, field rules\.0\.actions\.1: /);
    expect(
      errorOf(() =>
        parsePolicy('version: 1\nrules:\n  - id: r\n    actions: [block]\n    duration: soon\n', 'p.yaml'),
      ).message,
    ).toMatch(/p\.yaml:5, field rules\.0\.duration: not a duration: soon/);
    expect(errorOf(() => parsePolicy('version: 1\nfoo: 1\n', 'p.yaml')).message).toMatch(/field foo/);
    expect(errorOf(() => parsePolicy('version: [1\n', 'p.yaml')).message).toMatch(/^p\.yaml:\d+: /);
    expect(errorOf(() => parsePolicy('version: 1\nversion: 1\n', 'p.yaml')).code).toBe('MW_CONFIG_INVALID');
    expect(errorOf(() => loadPolicy('/nonexistent/policy.yaml')).code).toBe('MW_INPUT_NOT_FOUND');
  });

  it('kills only miners with command-line, wire or pool evidence; first matching rule decides each action', () => {
    const p = loadPolicy();
    const writableOnly = [finding({ ruleId: 'proc.exe.writable-path', severity: 'high' })];
    expect([...decide(p, writableOnly).keys()]).toEqual([]);
    const withWire = [...writableOnly, finding({ ruleId: 'net.miner-port', severity: 'high' })];
    expect([...decide(p, withWire).keys()].sort()).toEqual(['block', 'kill', 'quarantine']);
    const miner = [finding({ ruleId: 'miner.cmdline' })];
    const d = decide(p, miner);
    expect([...d.keys()].sort()).toEqual(['block', 'kill', 'quarantine', 'unpersist']);
    expect(d.get('kill')?.rule.id).toBe('kill-confirmed-miners');
    expect(d.get('unpersist')?.rule.confirm).toEqual(['authorized_keys']);
    expect([...decide(p, [finding({ ruleId: 'miner.cmdline', severity: 'low' })]).keys()]).toEqual([]);
  });
  it('the built-in policy bans the sources the SSH detectors accuse, and no one for a login alone', () => {
    const p = loadPolicy();
    const metas = new Map(sshDetectors().map((d) => [d.meta.id, d.meta]));
    const banned = [
      'ssh.brute-force',
      'ssh.slow-brute-force',
      'ssh.user-enumeration',
      'ssh.success-after-failures',
      'ssh.fleet-attacker-login',
    ];
    // A root login by password and a spray against one account (no single source) ban no one.
    for (const id of [...banned, 'ssh.root-password-login', 'ssh.password-spray']) {
      const meta = metas.get(id);
      expect(meta, `${id} is a rule the SSH detectors report`).toBeDefined();
      const f = finding({
        ruleId: id,
        severity: meta!.severity,
        entity: { kind: 'source-ip', ip: '203.0.113.7' },
      });
      expect([id, decide(p, [f]).get('ban')?.rule.id]).toEqual([
        id,
        banned.includes(id) ? 'ban-brute-force' : undefined,
      ]);
    }
  });
});

describe('simulation per rule: planned and journaled, never applied', () => {
  let child: ChildProcess;
  let store: Store;
  let state: string;

  beforeAll(() => {
    child = spawn('/bin/sleep', ['600'], { stdio: 'ignore' });
    state = mkdtempSync(join(tmpdir(), 'mw-sim-'));
  });

  afterAll(async () => {
    child.kill('SIGKILL');
    await store?.close();
    rmSync(state, { recursive: true, force: true });
  });

  it('a rule in simulate mode, and one forced with --simulate, leave the process running', async () => {
    for (let i = 0; i < 100 && !readIdentity('/proc', child.pid!)?.exe?.endsWith('sleep'); i++)
      await new Promise((r) => setTimeout(r, 10));
    const id = readIdentity('/proc', child.pid!)!;
    const f = finding({
      ruleId: 'miner.cmdline',
      entity: { kind: 'process', pid: id.pid, exe: id.exe!, startTime: new Date(id.startTime).toISOString() },
    });
    store = await openStore('sqlite::memory:');
    const journal = new Journal(store.actions, 'h');
    const safety = new SafetyGuard({ procDir: '/proc' });
    const ctx: ActionContext = { root: state, procDir: '/proc', stateDir: state, safety, now: Date.now };
    const simPolicy = parsePolicy(
      DEFAULT_POLICY_YAML.replace(
        'actions: [kill, quarantine]',
        'actions: [kill, quarantine]\n    mode: simulate',
      ),
    );
    for (const [policy, simulateRules] of [
      [simPolicy, []],
      [loadPolicy(), ['kill-confirmed-miners']],
    ] as const) {
      const plan = buildPlan({ findings: [f], policy, procDir: '/proc', root: state, safety, simulateRules });
      const kill = plan.actions.find((a) => a.kind === 'kill');
      expect(kill).toMatchObject({ simulate: true, ruleId: 'kill-confirmed-miners' });
      const res = await runPlan(plan, journal, ctx, { apply: true, confirm: true });
      expect(res.entries.find((e) => e.kind === 'kill')?.status).toBe('simulated');
      expect(res.entries.find((e) => e.kind === 'quarantine')?.status).toBe('simulated');
      expect(readIdentity('/proc', id.pid)?.state).not.toBe('Z');
      expect(child.exitCode).toBeNull();
    }
    const listed = await journal.list({ status: 'simulated' });
    expect(listed.filter((e) => e.kind === 'kill')).toHaveLength(2);
  });
});
