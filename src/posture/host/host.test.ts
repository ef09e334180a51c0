import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emptyAssets } from '../assets.js';
import { HOST_CHECKS } from '../checks/index.js';
import { runChecks } from '../run.js';
import { collectHostFacts } from './collect.js';
import { parseRedisConf } from './services.js';
import { readSshdConfig } from './sshd.js';

const FIX = path.resolve(import.meta.dirname, '../../../test/fixtures/posture');
const HOST = { id: 'h', name: 'h' };
const scan = (root: string) =>
  runChecks(
    { ...emptyAssets(), host: collectHostFacts({ root }) },
    HOST_CHECKS,
    HOST,
    '2026-01-01T00:00:00Z',
  );

describe('host hardening under --root', () => {
  it('reports PasswordAuthentication yes (from an Include) and PermitRootLogin yes, with file and line', () => {
    const f = scan(path.join(FIX, 'host-weak'));
    const pw = f.filter((x) => x.ruleId === 'posture.host.ssh-password-auth');
    // The drop-in is read first, so its "yes" wins over the main file's later "no" (sshd: first value obtained).
    const global = pw.find((x) => !x.evidence.match);
    expect(global?.evidence).toMatchObject({ value: 'yes', origin: 'file', line: 1 });
    expect(String(global?.evidence.file)).toMatch(/50-cloud-init\.conf$/);
    expect(pw.some((x) => x.evidence.match === 'User deploy')).toBe(true);
    const root = f.find((x) => x.ruleId === 'posture.host.ssh-root-login');
    expect(root?.evidence).toMatchObject({ value: 'yes', line: 4 });
    expect(f.find((x) => x.ruleId === 'posture.host.ssh-max-auth-tries')?.evidence.value).toBe('10');
  });

  it('reports the Docker API on tcp without TLS and Redis without a password on all interfaces', () => {
    const f = scan(path.join(FIX, 'host-weak'));
    const d = f.find((x) => x.ruleId === 'posture.host.docker-tcp-no-tls');
    expect(d?.severity).toBe('critical');
    expect(d?.evidence).toMatchObject({ host: 'tcp://0.0.0.0:2375', line: 2 });
    const r = f.find((x) => x.ruleId === 'posture.host.redis-no-auth');
    expect(r?.severity).toBe('critical');
  });

  it('finds nothing on a hardened root', () => {
    expect(scan(path.join(FIX, 'host-hardened'))).toEqual([]);
  });

  it('applies OpenSSH defaults when a keyword is missing (PasswordAuthentication defaults to yes)', () => {
    const cfg = readSshdConfig(path.join(FIX, 'host-hardened'));
    expect(cfg?.settings.get('port')).toMatchObject({ value: '22', origin: 'default' });
    const dir = mkdtempSync(path.join(tmpdir(), 'mw-sshd-'));
    mkdirSync(path.join(dir, 'etc/ssh'), { recursive: true });
    writeFileSync(path.join(dir, 'etc/ssh/sshd_config'), 'PermitRootLogin no\n');
    const pw = scan(dir).find((x) => x.ruleId === 'posture.host.ssh-password-auth');
    expect(pw?.evidence).toMatchObject({ value: 'yes', origin: 'default' });
    rmSync(dir, { recursive: true });
  });

  it('survives include loops and hostile config', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mw-sshd-'));
    mkdirSync(path.join(dir, 'etc/ssh'), { recursive: true });
    writeFileSync(
      path.join(dir, 'etc/ssh/sshd_config'),
      'Include /etc/ssh/sshd_config\n\u0000\u0001garbage\nPasswordAuthentication no\n',
    );
    expect(readSshdConfig(dir)?.settings.get('passwordauthentication')?.value).toBe('no');
    rmSync(dir, { recursive: true });
  });

  const tmp = mkdtempSync(path.join(tmpdir(), 'mw-ww-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  it('reports world-writable cron and systemd paths, not sticky directories', () => {
    mkdirSync(path.join(tmp, 'etc/cron.d'), { recursive: true });
    mkdirSync(path.join(tmp, 'etc/systemd/system'), { recursive: true });
    writeFileSync(path.join(tmp, 'etc/cron.d/job'), '* * * * * root true\n');
    chmodSync(path.join(tmp, 'etc/cron.d/job'), 0o666);
    chmodSync(path.join(tmp, 'etc/systemd/system'), 0o1777);
    const f = scan(tmp).filter((x) => x.ruleId === 'posture.host.world-writable-persistence');
    expect(f.map((x) => x.evidence.path)).toEqual(['/etc/cron.d/job']);
  });

  it('reads redis.conf with the last directive winning and ACL passwords counting as auth', () => {
    expect(parseRedisConf('requirepass a\nrequirepass ""\n', 'x').requirepass).toBeUndefined();
    expect(parseRedisConf('user app on >s3cret ~* +@all\n', 'x').aclPasswords).toBe(true);
    expect(parseRedisConf('user default on nopass ~* +@all\n', 'x').aclPasswords).toBe(false);
  });
});
