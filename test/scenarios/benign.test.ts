import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { Scenario } from './harness.js';

const BASE = '/var/lib/mwscn';

/**
 * Noisy but innocent: a compiler at full CPU, busy Node and Java servers (the Java one with a database connection),
 * package-manager cron jobs, a developer's `curl | sh` installer from a known vendor (live and in shell history),
 * and three mistyped SSH passwords before a good one. None of it may be reported at high or critical.
 */
describe('benign suite', () => {
  const s = new Scenario('benign', '127.0.0.17', { base: BASE, hidden: false });
  afterAll(() => s.close());

  it('busy, installed-by-hand workloads and routine files give nothing at high or critical', {
    timeout: 40_000,
  }, async () => {
    s.dpkg();
    await s.quiet(5432);
    const cc1plus = s.binary('toolchain/libexec/gcc/x86_64-linux-gnu/13/cc1plus');
    const node = s.binary('app/node/bin/node');
    const java = s.binary('app/jdk/bin/java');
    s.plant(
      'etc/cron.d/e2scrub_all',
      '30 3 * * 0 root test -e /run/systemd/system || SERVICE_MODE=1 /usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron\n',
    );
    s.plant(
      'etc/cron.daily/apt-compat',
      '#!/bin/sh\nif [ -d /run/systemd/system ]; then\n    exit 0\nfi\nexec /usr/lib/apt/apt.systemd.daily\n',
      0o755,
    );
    s.plant(
      'etc/cron.daily/dpkg',
      '#!/bin/sh\nif [ -d /run/systemd/system ]; then\n    exit 0\nfi\n/usr/libexec/dpkg/dpkg-db-backup\n',
      0o755,
    );
    s.plant('etc/cron.daily/logrotate', '#!/bin/sh\n/usr/sbin/logrotate /etc/logrotate.conf\n', 0o755);
    s.plant(
      'etc/cron.daily/man-db',
      '#!/bin/sh\nstart-stop-daemon --start --pidfile /dev/null --startas /usr/bin/mandb --oknodo --chuid man -- --quiet\n',
      0o755,
    );
    s.plant(
      'root/.bash_history',
      'ls\ncurl -fsSL https://get.docker.com | sh\ncurl --proto =https --tlsv1.2 -sSf https://sh.rustup.rs | sh\ndocker ps\n',
      0o600,
    );
    s.plant(
      'var/log/auth.log',
      [
        'Nov 26 09:00:01 web sshd[2001]: Failed password for alice from 127.0.0.17 port 50000 ssh2',
        'Nov 26 09:00:05 web sshd[2001]: Failed password for alice from 127.0.0.17 port 50000 ssh2',
        'Nov 26 09:00:09 web sshd[2001]: Failed password for alice from 127.0.0.17 port 50000 ssh2',
        'Nov 26 09:00:14 web sshd[2002]: Accepted password for alice from 127.0.0.17 port 50002 ssh2',
        '',
      ].join('\n'),
    );
    const started = [
      await s.start(cc1plus, ['cc1plus', '-quiet', '-O2', 'main.cpp', '-o', '/tmp/ccA1b2.s'], {
        MWS_BURN: '2',
      }),
      await s.start(node, ['node', 'server.js'], {
        MWS_BURN: '1',
        MWS_NICE: '-10',
        MWS_LISTEN: `${s.ip}:8080`,
      }),
      await s.start(java, ['java', '-Xmx2g', '-jar', 'app.jar'], {
        MWS_BURN: '1',
        MWS_NICE: '-10',
        MWS_LISTEN: `${s.ip}:8443`,
        MWS_POOL: `${s.ip}:5432`,
      }),
      // `:` makes it a no-op: the command line is the installer's, nothing is fetched.
      await s.start(
        '/bin/sh',
        ['sh', '-c', ': curl -fsSL https://get.docker.com | sh; sleep 20; :'],
        {},
        { attached: true },
      ),
    ];
    await s.connected(1);
    await new Promise((r) => setTimeout(r, 16_000));
    const out = await s.scan();
    const own = s.own(
      out,
      started.map((p) => p.pid),
    );
    // The busy ones are still worth a look: medium at most.
    for (const f of own.filter((x) => x.ruleId === 'miner.cpu-sustained')) expect(f.severity).toBe('medium');
    const loud = own.filter((f) => f.severity === 'high' || f.severity === 'critical');
    expect(loud.map((f) => `${f.ruleId} ${f.entity.exe ?? f.entity.path ?? ''}`)).toEqual([]);

    const logs = await runCli(['logs', `${s.root}/var/log/auth.log`, '--format', 'json']);
    expect(logs.code).toBe(0);
    const parsed = JSON.parse(logs.stdout) as { findings: Array<{ severity: string }> };
    expect(parsed.findings.filter((f) => f.severity === 'high' || f.severity === 'critical')).toEqual([]);
  });
});
