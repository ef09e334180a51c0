import { describe, expect, it } from 'vitest';
import { accepted, detect, failed, line } from '../../../test/fixtures/authlog/lines.js';
import { sshSuccessAfterFailures } from './ssh-success-after-failures.js';

describe('ssh.success-after-failures', () => {
  it('is critical when an address that failed 8 times logs in', () => {
    const lines = [
      ...Array.from({ length: 8 }, (_, i) => line(i * 5, failed('203.0.113.9', i % 2 ? 'admin' : 'root'))),
      line(60, accepted('203.0.113.9', 'admin')),
    ];
    const r = detect([sshSuccessAfterFailures()], lines);
    expect(r.findings.map((f) => [f.entity.ip, f.severity])).toEqual([['203.0.113.9', 'critical']]);
    expect(r.findings[0]?.evidence).toMatchObject({
      loggedInAs: 'admin',
      failuresBefore: 8,
      usersTried: ['root', 'admin'],
    });
  });

  it('stays quiet after a couple of typos, and for a login from another address', () => {
    const typos = [
      line(0, failed('203.0.113.10', 'me')),
      line(5, failed('203.0.113.10', 'me')),
      line(9, accepted('203.0.113.10', 'me')),
    ];
    expect(detect([sshSuccessAfterFailures()], typos).findings).toEqual([]);
    const other = [
      ...Array.from({ length: 8 }, (_, i) => line(i, failed('203.0.113.11'))),
      line(20, accepted('203.0.113.12')),
    ];
    expect(detect([sshSuccessAfterFailures()], other).findings).toEqual([]);
  });

  it('forgets failures older than the look-back', () => {
    const old = [
      ...Array.from({ length: 8 }, (_, i) => line(i, failed('203.0.113.13'))),
      line(7200, accepted('203.0.113.13')),
    ];
    expect(detect([sshSuccessAfterFailures()], old).findings).toEqual([]);
  });
});
