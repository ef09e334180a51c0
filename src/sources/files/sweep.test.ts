import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeRoot } from '../../../test/helpers/fake-proc.js';
import { WarningSink } from '../../model/errors.js';
import { sweepFiles } from './sweep.js';

function plant(root: string, path: string, content: string | Buffer): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), content);
}

describe('sweepFiles', () => {
  let fake: FakeRoot;
  afterEach(() => fake.cleanup());

  it('reads persistence places of the system and of every home, with their kind and host path', () => {
    fake = new FakeRoot();
    writeFileSync(
      join(fake.root, 'etc/passwd'),
      'root:x:0:0::/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n',
    );
    plant(fake.root, 'etc/crontab', '* * * * * root run-parts /etc/cron.hourly\n');
    plant(fake.root, 'var/spool/cron/crontabs/root', '@reboot /root/.x/start\n');
    plant(fake.root, 'etc/systemd/system/evil.service', '[Service]\nExecStart=/tmp/.k/k\n');
    plant(fake.root, 'etc/systemd/system/notes.txt', 'not a unit');
    plant(fake.root, 'home/alice/.ssh/authorized_keys', 'ssh-rsa AAAA alice@laptop\n');
    plant(fake.root, 'root/.bashrc', 'alias ll="ls -l"\n');
    plant(fake.root, 'dev/shm/.x/config.json', '{"pools":[]}');
    plant(fake.root, 'tmp/a/b/c/d/too-deep', 'x');
    const files = sweepFiles(fake.root, new WarningSink());
    const byPath = new Map(files.map((f) => [f.path, f.kind]));
    expect(byPath.get('/etc/crontab')).toBe('cron');
    expect(byPath.get('/var/spool/cron/crontabs/root')).toBe('cron');
    expect(byPath.get('/etc/systemd/system/evil.service')).toBe('systemd');
    expect(byPath.has('/etc/systemd/system/notes.txt')).toBe(false);
    expect(byPath.get('/home/alice/.ssh/authorized_keys')).toBe('authorized_keys');
    expect(byPath.get('/root/.bashrc')).toBe('shell-rc');
    expect(byPath.get('/dev/shm/.x/config.json')).toBe('writable-dir');
    expect(byPath.get('/etc/passwd')).toBe('passwd');
    expect(byPath.has('/tmp/a/b/c/d/too-deep')).toBe(false);
  });

  it('caps bytes per file and files in all, and says so', () => {
    fake = new FakeRoot();
    plant(fake.root, 'tmp/big', Buffer.alloc(1024 * 1024, 0x41));
    for (let i = 0; i < 30; i++) plant(fake.root, `var/tmp/f${i}`, 'x');
    const warnings = new WarningSink();
    const files = sweepFiles(fake.root, warnings, { maxBytes: 1000, maxFiles: 10 });
    expect(files).toHaveLength(10);
    const big = sweepFiles(fake.root, new WarningSink(), { maxBytes: 1000 }).find(
      (f) => f.path === '/tmp/big',
    );
    expect(big).toMatchObject({ truncated: true, size: 1024 * 1024 });
    expect(big?.content).toHaveLength(1000);
    expect(warnings.items.map((w) => w.code)).toContain('MW_W_FILE_UNREADABLE');
  });

  it('marks ELF files', () => {
    fake = new FakeRoot();
    plant(fake.root, 'tmp/.x/bin', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]));
    expect(sweepFiles(fake.root, new WarningSink()).find((f) => f.path === '/tmp/.x/bin')?.elf).toBe(true);
  });
});
