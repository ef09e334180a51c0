import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AuthLogParser } from './parser.js';
import { type AuthLogReadStats, readAuthLogFile } from './read-file.js';

const ref = new Date(2026, 0, 3, 12, 0, 0).getTime();

describe('line formats', () => {
  it('classic syslog across New Year: December lines belong to the year before', () => {
    const p = new AuthLogParser({ referenceTime: ref });
    const [a] = p.parseLine('Dec 31 23:59:58 h sshd[1]: Failed password for root from 192.0.2.1 port 1 ssh2');
    const [b] = p.parseLine('Jan  1 00:00:02 h sshd[1]: Failed password for root from 192.0.2.1 port 1 ssh2');
    expect(new Date(a?.time ?? 0).getFullYear()).toBe(2025);
    expect(new Date(b?.time ?? 0).getFullYear()).toBe(2026);
    expect((b?.time ?? 0) - (a?.time ?? 0)).toBe(4000);
  });

  it('RFC 3339 (rsyslog on Debian 12), RFC 5424 and sshd -E lines', () => {
    const p = new AuthLogParser({ referenceTime: ref, fallbackTime: 42 });
    const [iso] = p.parseLine(
      '2026-01-02T10:00:00.123456+01:00 h sshd-session[7]: Invalid user bob from 192.0.2.2 port 3',
    );
    expect(iso?.time).toBe(Date.parse('2026-01-02T09:00:00.123Z'));
    expect(iso?.fields).toMatchObject({
      'auth.reason': 'invalid-user',
      'auth.user': 'bob',
      'log.program': 'sshd-session',
      'log.pid': 7,
    });
    const [r5424] = p.parseLine(
      '<38>1 2022-01-19T14:23:55+00:00 fw sshd 44255 - [meta sequenceId="1"] Invalid user tutu from 1.2.3.4 port 33166',
    );
    expect(r5424?.fields).toMatchObject({
      'source.ip': '1.2.3.4',
      'log.hostname': 'fw',
      'source.port': 33166,
    });
    const [bare] = p.parseLine('Failed password for invalid user x from 192.0.2.3 port 5 ssh2');
    expect(bare?.time).toBe(42);
    expect(bare?.fields['auth.invalidUser']).toBe(true);
  });

  it('journal JSON records', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-auth-'));
    const rec = {
      __REALTIME_TIMESTAMP: '1700000000000000',
      _PID: '9',
      SYSLOG_IDENTIFIER: 'sshd',
      _HOSTNAME: 'j',
      MESSAGE: 'Accepted publickey for alice from 192.0.2.4 port 6 ssh2: ED25519 SHA256:x',
    };
    writeFileSync(join(dir, 'j.json'), `${JSON.stringify(rec)}\n{"MESSAGE": 5}\nnot json\n`);
    const events = [];
    for await (const e of readAuthLogFile(join(dir, 'j.json'))) events.push(e);
    expect(events.map((e) => [e.time, e.fields['auth.outcome'], e.fields['auth.method']])).toEqual([
      [1700000000000, 'success', 'publickey'],
    ]);
  });
});

describe('hostile input', () => {
  it('binary garbage, a 1 MiB line and a gzip file: no crash, skips counted, the good lines still read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-auth-'));
    const garbage = Buffer.from(Array.from({ length: 1 << 16 }, (_, i) => (i * 2654435761) % 256));
    const good = 'Jan  2 10:00:00 h sshd[1]: Failed password for root from 192.0.2.9 port 1 ssh2\n';
    const content = Buffer.concat([
      garbage,
      Buffer.from(`\n${good}`),
      Buffer.from(
        `Jan  2 10:00:01 h sshd[1]: Failed password for ${'A'.repeat(1 << 20)} from 192.0.2.8 port 1 ssh2\n`,
      ),
      Buffer.from(good),
    ]);
    writeFileSync(join(dir, 'auth.log.gz'), gzipSync(content));
    let stats: AuthLogReadStats | undefined;
    const before = process.memoryUsage().rss;
    const ips = [];
    for await (const e of readAuthLogFile(join(dir, 'auth.log.gz'), {}, (s) => (stats = s)))
      ips.push(e.fields['source.ip']);
    expect(ips).toEqual(['192.0.2.9', '192.0.2.9']);
    expect(stats?.skippedLong).toBe(1);
    expect(stats?.skippedBinary).toBeGreaterThan(0);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('a missing file is one clear input error', async () => {
    await expect(async () => {
      for await (const _ of readAuthLogFile('/nonexistent/auth.log')) void _;
    }).rejects.toThrow(/\/nonexistent\/auth\.log.*ENOENT/);
  });

  it('user names cannot inject an address', () => {
    const p = new AuthLogParser({ referenceTime: ref });
    const [e] = p.parseLine(
      'Jan  2 10:00:00 h sshd[1]: Failed password for invalid user x from 6.6.6.6 from 192.0.2.7 port 22 ssh2',
    );
    expect(e?.fields['source.ip']).toBe('192.0.2.7');
  });
});
