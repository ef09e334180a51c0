import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MinewardenError } from '../../model/errors.js';
import { DEFAULT_ADDON_PATH, type ExecSourceStatus, openExecSource } from './index.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const indexPath = fileURLToPath(new URL('./index.ts', import.meta.url));
const required = process.env.MINEWARDEN_REQUIRE_SERVICES === '1';

const probe = openExecSource({ hostId: 'probe' });
const netlinkHere = probe.mode === 'netlink';
await probe.stop();

/**
 * Runs a real node child that opens the source, sees one process, stops, prints its status and then simply returns:
 * if anything (socket, thread, timer, thread-safe function) kept the loop alive, the child would not exit by itself.
 */
function runChild(
  prefer: 'netlink' | 'poll',
  wrapper: string[] = [],
): {
  status: (ExecSourceStatus & { seen: number }) | undefined;
  code: number | null;
  signal: string | null;
  stderr: string;
} {
  const script = `
    import { spawn } from 'node:child_process';
    const { openExecSource } = await import(process.env.EXEC_INDEX);
    const src = openExecSource({ hostId: 'child', prefer: process.env.PREFER, pollIntervalMs: 20 });
    let seen = 0;
    src.start((e) => { if (e.kind === 'exec') seen++; });
    const c = spawn('/bin/sleep', ['0.2']);
    await new Promise((r) => c.on('exit', r));
    await new Promise((r) => setTimeout(r, 100));
    await src.stop();
    console.log(JSON.stringify({ ...src.status(), seen }));
  `;
  const argv = [...wrapper, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script];
  const r = spawnSync(argv[0]!, argv.slice(1), {
    cwd: repoRoot,
    env: { ...process.env, EXEC_INDEX: indexPath, PREFER: prefer },
    encoding: 'utf8',
    timeout: 15_000,
  });
  const line = r.stdout.trim().split('\n').pop();
  return {
    status: line ? JSON.parse(line) : undefined,
    code: r.status,
    signal: r.signal,
    stderr: r.stderr,
  };
}

/** unshare(1) itself fails where namespaces are not allowed (unprivileged, seccomp); that is not our fallback. */
function canUnshare(flags: string[]): boolean {
  return spawnSync('unshare', [...flags, 'true']).status === 0;
}

describe('openExecSource', () => {
  it.runIf(netlinkHere || required)('uses netlink when it can, and stop() lets node exit', () => {
    const r = runChild('netlink');
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(0);
    expect(r.status).toMatchObject({ mode: 'netlink' });
    expect(r.status?.reason).toBeUndefined();
    expect(r.status?.seen).toBeGreaterThan(0);
  });

  it('stop() lets node exit in poll mode too', () => {
    const r = runChild('poll');
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(0);
    expect(r.status).toMatchObject({ mode: 'poll', reason: expect.stringMatching(/requested/) });
    expect(r.status?.seen).toBeGreaterThan(0);
  });

  it('falls back to polling when the addon is missing, and says so', async () => {
    const src = openExecSource({ hostId: 'h', addonPath: '/nonexistent/proc_connector.node' });
    expect(src.status()).toMatchObject({
      mode: 'poll',
      warning: 'MW_W_EXEC_FALLBACK',
      reason: expect.stringMatching(/not built.*\/nonexistent\/proc_connector\.node/),
    });
    await src.stop();
  });

  it('falls back when the addon file is not a loadable addon', async () => {
    const src = openExecSource({ hostId: 'h', addonPath: indexPath });
    expect(src.status()).toMatchObject({ mode: 'poll', reason: expect.stringMatching(/does not load/) });
    await src.stop();
  });

  it.runIf((netlinkHere || required) && canUnshare(['--net']))(
    'falls back in a new network namespace, where the proc connector does not exist',
    () => {
      const r = runChild('netlink', ['unshare', '--net']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.status).toMatchObject({
        mode: 'poll',
        warning: 'MW_W_EXEC_FALLBACK',
        reason: expect.stringMatching(/ECONNREFUSED.*network namespace/),
      });
      expect(r.status?.seen).toBeGreaterThan(0);
    },
  );

  it.runIf((netlinkHere || required) && canUnshare(['--user', '--map-root-user']))(
    'falls back in a user namespace, where the kernel ignores the subscription',
    () => {
      const r = runChild('netlink', ['unshare', '--user', '--map-root-user']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.status).toMatchObject({
        mode: 'poll',
        warning: 'MW_W_EXEC_FALLBACK',
        reason: expect.stringMatching(/ETIMEDOUT.*namespace/),
      });
    },
  );

  it('rejects bad options with the field named', () => {
    expect(() => openExecSource({ hostId: 'h', pollIntervalMs: 0 })).toThrow(MinewardenError);
    expect(() => openExecSource({ hostId: '' })).toThrow(/exec\.hostId/);
    expect(() => openExecSource({ hostId: 'h', handoffMs: -1 })).toThrow(/exec\.handoffMs/);
    try {
      openExecSource({ hostId: 'h', prefer: 'ebpf' as 'poll' });
    } catch (err) {
      expect(err).toBeInstanceOf(MinewardenError);
      expect((err as MinewardenError).code).toBe('MW_CONFIG_INVALID');
      expect((err as MinewardenError).message).toMatch(/exec\.prefer/);
    }
  });

  it('knows where the built addon lives', () => {
    expect(DEFAULT_ADDON_PATH.endsWith('build/Release/proc_connector.node')).toBe(true);
    if (required) expect(existsSync(DEFAULT_ADDON_PATH)).toBe(true);
  });
});
