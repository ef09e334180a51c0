import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAction } from './actions/kill.js';
import { quarantineAction } from './actions/quarantine.js';
import { sha256 } from './fsutil.js';
import { readIdentity } from './identity.js';
import { SafetyGuard } from './safety.js';
import { type ActionContext, RefusedError } from './types.js';

const DIR = `/dev/shm/.mw-safety-${process.pid}`;
const SLEEPER = `${DIR}/sleeper`;

function startSleeper(exe = SLEEPER): ChildProcess {
  return spawn(exe, ['600'], { stdio: 'ignore' });
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r();
    else child.once('exit', () => r());
  });
}

async function identityOf(pid: number) {
  for (let i = 0; i < 100; i++) {
    const id = readIdentity('/proc', pid);
    if (id?.exe) return id;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`pid ${pid} never showed up`);
}

function ctxWith(safety: SafetyGuard, stateDir: string): ActionContext {
  return { root: '/nonexistent', procDir: '/proc', stateDir, safety, now: Date.now };
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof RefusedError) return err.reason;
    throw err;
  }
  throw new Error('expected a refusal, but the action ran');
}

function firstKernelThread(): number {
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 2) continue;
    if (readIdentity('/proc', pid)?.kernelThread) return pid;
  }
  return 2;
}

describe('safety: what respond refuses to touch', () => {
  let state: string;
  const children: ChildProcess[] = [];

  beforeAll(() => {
    mkdirSync(DIR, { recursive: true });
    copyFileSync('/bin/sleep', SLEEPER);
    state = mkdtempSync(join(tmpdir(), 'mw-safety-'));
  });

  afterAll(async () => {
    for (const c of children) {
      c.kill('SIGKILL');
      await exitOf(c);
    }
    rmSync(DIR, { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
  });

  it('refuses PID 1', async () => {
    const guard = new SafetyGuard({ procDir: '/proc' });
    const init = readIdentity('/proc', 1)!;
    const why = await refusal(
      killAction.apply(
        { process: { pid: 1, startTime: init.startTime, exe: init.exe }, plannedTree: [] },
        ctxWith(guard, state),
      ),
    );
    expect(why).toBe('pid 1 (init) is never touched');
  });

  it('refuses a kernel thread', async () => {
    const pid = firstKernelThread();
    const k = readIdentity('/proc', pid)!;
    expect(k.kernelThread).toBe(true);
    const why = await refusal(
      killAction.apply(
        { process: { pid, startTime: k.startTime, exe: k.exe }, plannedTree: [] },
        ctxWith(new SafetyGuard({ procDir: '/proc' }), state),
      ),
    );
    expect(why).toMatch(/kernel thread/);
  });

  it('refuses the test runner itself and its parent (the session running the command)', async () => {
    const guard = new SafetyGuard({ procDir: '/proc' });
    for (const pid of [process.pid, process.ppid]) {
      const me = readIdentity('/proc', pid)!;
      const why = await refusal(
        killAction.apply(
          { process: { pid, startTime: me.startTime, exe: me.exe }, plannedTree: [] },
          ctxWith(guard, state),
        ),
      );
      expect(why).toBe(`pid ${pid} is this command or one of its ancestors (the session running it)`);
    }
  });

  it('refuses allowlisted processes (by exe path, by sha256, by user) and leaves them running', async () => {
    const child = startSleeper();
    children.push(child);
    const id = await identityOf(child.pid!);
    const hash = sha256(readFileSync(SLEEPER));
    const cases: Array<[ConstructorParameters<typeof SafetyGuard>[0]['allowlist'], string]> = [
      [{ exePaths: [SLEEPER], sha256: [], containers: [], users: [] }, `exe ${SLEEPER}`],
      [{ exePaths: [`${DIR}/`], sha256: [], containers: [], users: [] }, `exe ${DIR}/`],
      [{ exePaths: [], sha256: [hash], containers: [], users: [] }, `sha256 ${hash}`],
      [{ exePaths: [], sha256: [], containers: [], users: [String(id.uid)] }, `user ${id.uid}`],
    ];
    for (const [allowlist, label] of cases) {
      const guard = new SafetyGuard({ procDir: '/proc', allowlist });
      const params = { process: { pid: id.pid, startTime: id.startTime, exe: id.exe }, plannedTree: [] };
      expect(await refusal(killAction.apply(params, ctxWith(guard, state)))).toBe(
        `pid ${id.pid} is allowlisted (${label})`,
      );
      expect(
        await refusal(
          quarantineAction.apply(
            { path: SLEEPER, process: params.process, treePids: [id.pid] },
            ctxWith(guard, state),
          ),
        ),
      ).toBe(`pid ${id.pid} is allowlisted (${label})`);
    }
    expect(readIdentity('/proc', id.pid)?.state).not.toBe('Z');
    expect(readFileSync(SLEEPER).length).toBeGreaterThan(0);
  });

  it('refuses a recycled pid (same pid, other start time) and a changed executable', async () => {
    const child = startSleeper();
    children.push(child);
    const id = await identityOf(child.pid!);
    const guard = new SafetyGuard({ procDir: '/proc' });
    const older = { pid: id.pid, startTime: id.startTime - 5000, exe: id.exe };
    const why = await refusal(killAction.apply({ process: older, plannedTree: [] }, ctxWith(guard, state)));
    expect(why).toMatch(new RegExp(`^identity changed: pid ${id.pid} was recycled: planned start `));
    const otherExe = { pid: id.pid, startTime: id.startTime, exe: '/usr/bin/xmrig' };
    expect(
      await refusal(killAction.apply({ process: otherExe, plannedTree: [] }, ctxWith(guard, state))),
    ).toBe(`identity changed: pid ${id.pid} changed executable: planned /usr/bin/xmrig, now ${SLEEPER}`);
    expect(child.exitCode).toBeNull();
    expect(readIdentity('/proc', id.pid)?.state).not.toBe('Z');
  });

  it('kills a process it may kill, with its children, and verifies they are gone', async () => {
    copyFileSync('/bin/sh', `${DIR}/sh`);
    const tree = spawn(`${DIR}/sh`, ['-c', `${SLEEPER} 600 & ${SLEEPER} 601 & wait`], { stdio: 'ignore' });
    children.push(tree);
    const id = await identityOf(tree.pid!);
    for (let i = 0; i < 100; i++) {
      const kids = readdirSync('/proc').filter((n) => readIdentity('/proc', Number(n))?.ppid === id.pid);
      if (kids.length === 2) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const ctx = ctxWith(new SafetyGuard({ procDir: '/proc' }), state);
    const params = { process: { pid: id.pid, startTime: id.startTime, exe: id.exe }, plannedTree: [] };
    const undo = await killAction.apply(params, ctx);
    expect(undo.killed.map((k) => k.exe)).toEqual([`${DIR}/sh`, SLEEPER, SLEEPER]);
    await exitOf(tree);
    expect(tree.signalCode).toBe('SIGKILL');
    expect((await killAction.verify(params, undo, ctx)).ok).toBe(true);
    await expect(killAction.undo(params, undo, ctx)).rejects.toThrow(/cannot be brought back/);
  });

  it('rate-limits kills across calls', () => {
    let now = 1_000_000;
    const guard = new SafetyGuard({
      procDir: '/proc',
      rateLimits: { kill: { max: 2, windowSec: 60 } },
      countRecent: () => 1,
      now: () => now,
    });
    expect(guard.checkRate('kill')).toBeNull();
    expect(guard.checkRate('kill')).toBe('rate limit: 2 kill action(s) in the last 60 s (limit 2)');
    now += 61_000;
    expect(guard.checkRate('kill')).toBeNull();
    expect(guard.checkRate('block')).toBeNull();
  });

  it('refuses to block loopback, link-local, wide networks and junk', () => {
    const guard = new SafetyGuard({ procDir: '/proc' });
    expect(guard.checkAddress('127.0.0.1')).toMatch(/loopback/);
    expect(guard.checkAddress('169.254.169.254')).toMatch(/link-local/);
    expect(guard.checkAddress('10.0.0.0/8')).toMatch(/wider than a \/16/);
    expect(guard.checkAddress('::1')).toMatch(/loopback/);
    expect(guard.checkAddress('1.2.3.4; flush ruleset')).toMatch(/not an IP/);
    expect(guard.checkAddress('198.51.100.7')).toBeNull();
    expect(guard.checkAddress('2001:db8::7')).toBeNull();
  });
});
