import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, REPO_ROOT, runCli } from '../helpers/cli.js';

const LOGHUB = resolve(REPO_ROOT, '../shared/data/sshlogs/loghub/OpenSSH/OpenSSH_2k.log');

describe('logs command line', () => {
  it('reports brute force on the Loghub OpenSSH log, exit 1, ndjson one finding per line', async () => {
    const r = await runCli(['logs', LOGHUB, '--format', 'ndjson']);
    expect(r.code).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { ruleId?: string; entity?: { ip?: string } });
    expect(lines.some((l) => l.ruleId === 'ssh.brute-force' && l.entity?.ip === '183.62.140.253')).toBe(true);
  });

  it('exits 0 when nothing reaches --fail-on, and 2 with one coded line for a missing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-logs-'));
    writeFileSync(
      join(dir, 'quiet.log'),
      'Jan  1 00:00:00 h sshd[1]: Accepted publickey for a from 192.0.2.1 port 2 ssh2\n',
    );
    expect((await runCli(['logs', join(dir, 'quiet.log')])).code).toBe(0);
    const missing = await runCli(['logs', join(dir, 'nope.log')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/MW_INPUT_NOT_FOUND.*nope\.log/);
  });

  it('binary garbage and a 1 MiB line: findings still come, skips are counted with a warning code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-logs-'));
    const good = Array.from(
      { length: 6 },
      (_, i) => `Jan  1 00:00:0${i} h sshd[1]: Invalid user u${i} from 192.0.2.5 port 2\n`,
    );
    const junk = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 131) % 256));
    writeFileSync(
      join(dir, 'hostile.log'),
      Buffer.concat([junk, Buffer.from(`\n${'x'.repeat(1 << 20)}\n${good.join('')}`)]),
    );
    const r = await runCli(['logs', join(dir, 'hostile.log'), '--format', 'json']);
    const doc = JSON.parse(r.stdout) as {
      findings: { ruleId: string }[];
      summary: { skipped: Record<string, number> };
      warnings: { code: string }[];
    };
    expect(doc.findings.map((f) => f.ruleId)).toContain('ssh.brute-force');
    expect(doc.summary.skipped.tooLong).toBe(1);
    expect(doc.summary.skipped.binary).toBeGreaterThan(0);
    expect(doc.warnings.map((w) => w.code)).toEqual(['MW_W_LOG_SKIPPED']);
  });
});

const SSHD = '/usr/sbin/sshd';
const required = process.env.MINEWARDEN_REQUIRE_SERVICES === '1';
const haveTools = existsSync(SSHD) && spawnSync('sshpass', ['-V']).status === 0;

describe('logs --follow against a real sshd', () => {
  it.skipIf(!haveTools && !required)(
    '8 failed logins then a success from one address: brute force and success-after-failures within 5 s',
    async () => {
      expect(haveTools, 'needs Debian openssh-server and sshpass (MINEWARDEN_REQUIRE_SERVICES=1)').toBe(true);
      mkdirSync('/run/sshd', { recursive: true });
      const dir = mkdtempSync(join(tmpdir(), 'mw-sshd-'));
      const port = 20000 + Math.floor(Math.random() * 20000);
      for (const k of ['hostkey', 'userkey'])
        spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, k)], { stdio: 'ignore' });
      writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'userkey.pub')), { mode: 0o600 });
      writeFileSync(
        join(dir, 'sshd_config'),
        [
          `Port ${port}`,
          'ListenAddress 127.0.0.1',
          `HostKey ${join(dir, 'hostkey')}`,
          `PidFile ${join(dir, 'sshd.pid')}`,
          'UsePAM no',
          'PasswordAuthentication yes',
          'PermitRootLogin yes',
          `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
          'StrictModes no',
          'MaxStartups 50',
          '',
        ].join('\n'),
      );
      const log = join(dir, 'sshd.log');
      const sshd = spawn(SSHD, ['-D', '-f', join(dir, 'sshd_config'), '-E', log], { stdio: 'ignore' });
      const cli = spawn(process.execPath, [BIN, 'logs', '--follow', log, '--format', 'ndjson'], {
        cwd: REPO_ROOT,
      });
      const seen: { ruleId: string; at: number }[] = [];
      let buf = '';
      cli.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl = buf.indexOf('\n');
        while (nl >= 0) {
          const f = JSON.parse(buf.slice(0, nl)) as { ruleId: string; entity: { ip?: string } };
          if (f.entity.ip === '127.0.0.1') seen.push({ ruleId: f.ruleId, at: Date.now() });
          buf = buf.slice(nl + 1);
          nl = buf.indexOf('\n');
        }
      });
      const ssh = [
        '-p',
        String(port),
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'ConnectTimeout=5',
      ];
      try {
        const deadline = Date.now() + 10_000;
        while (!existsSync(log) || !readFileSync(log, 'utf8').includes('Server listening')) {
          if (Date.now() > deadline)
            throw new Error(`sshd did not start: ${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        for (let i = 0; i < 8; i++)
          spawnSync(
            'sshpass',
            [
              '-p',
              `wrong${i}`,
              'ssh',
              ...ssh,
              '-o',
              'PreferredAuthentications=password',
              '-o',
              'PubkeyAuthentication=no',
              '-o',
              'NumberOfPasswordPrompts=1',
              'root@127.0.0.1',
              'true',
            ],
            { stdio: 'ignore' },
          );
        const ok = spawnSync(
          'ssh',
          [...ssh, '-i', join(dir, 'userkey'), '-o', 'BatchMode=yes', 'root@127.0.0.1', 'true'],
          { stdio: 'ignore' },
        );
        expect(ok.status).toBe(0);
        let lastLineAt = 0;
        while (lastLineAt === 0) {
          if (readFileSync(log, 'utf8').includes('Accepted publickey for root from 127.0.0.1'))
            lastLineAt = Date.now();
          else await new Promise((r) => setTimeout(r, 20));
        }
        const want = ['ssh.brute-force', 'ssh.success-after-failures'];
        while (!want.every((w) => seen.some((s) => s.ruleId === w)) && Date.now() - lastLineAt < 5000)
          await new Promise((r) => setTimeout(r, 50));
        for (const w of want) {
          const hit = seen.find((s) => s.ruleId === w);
          expect(hit, `${w} reported`).toBeDefined();
          expect((hit?.at ?? Number.POSITIVE_INFINITY) - lastLineAt).toBeLessThanOrEqual(5000);
        }
      } finally {
        cli.kill('SIGTERM');
        sshd.kill('SIGTERM');
      }
    },
    60_000,
  );
});

describe('logs with DNS query lines', () => {
  it('dnsmasq query lines among auth lines: pool lookups are reported with the client', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-logs-'));
    writeFileSync(
      join(dir, 'syslog'),
      [
        'Nov 26 10:00:01 gw dnsmasq[1]: query[A] la01.supportxmr.com from 192.168.1.23',
        'Nov 26 10:00:02 gw dnsmasq[1]: query[A] deb.debian.org from 192.168.1.24',
        '',
      ].join('\n'),
    );
    const r = await runCli(['logs', join(dir, 'syslog'), '--format', 'json', '--intel-dir', dir]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as {
      findings: { ruleId: string; entity: { ip?: string }; evidence: { matched: string } }[];
    };
    expect(doc.findings.map((f) => [f.ruleId, f.entity.ip, f.evidence.matched])).toEqual([
      ['dns.pool-query', '192.168.1.23', 'supportxmr.com'],
    ]);
  });
});
