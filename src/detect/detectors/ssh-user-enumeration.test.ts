import { describe, expect, it } from 'vitest';
import { detect, invalid, line } from '../../../test/fixtures/authlog/lines.js';
import { sshUserEnumeration } from './ssh-user-enumeration.js';

describe('ssh.user-enumeration', () => {
  it('fires at six distinct accounts from one address within ten minutes', () => {
    const names = ['oracle', 'test', 'admin', 'git', 'ubuntu', 'pi'];
    const five = names.slice(0, 5).map((u, i) => line(i * 10, invalid('192.0.2.30', u)));
    expect(detect([sshUserEnumeration()], five).findings).toEqual([]);
    const r = detect([sshUserEnumeration()], [...five, line(60, invalid('192.0.2.30', 'pi'))]);
    expect(r.findings[0]?.entity.ip).toBe('192.0.2.30');
    expect(r.findings[0]?.evidence).toMatchObject({ usersTried: names });
  });

  it('does not count the same account twice', () => {
    const same = Array.from({ length: 20 }, (_, i) => line(i, invalid('192.0.2.31', 'admin')));
    expect(detect([sshUserEnumeration()], same).findings).toEqual([]);
  });
});
