import { describe, expect, it } from 'vitest';
import { detect, failed, line } from '../../../test/fixtures/authlog/lines.js';
import { sshBruteForce } from './ssh-brute-force.js';

describe('ssh.brute-force', () => {
  it('fires at the fifth failure inside ten minutes, not the fourth', () => {
    const lines = [0, 60, 120, 180].map((t) => line(t, failed('198.51.100.7')));
    expect(detect([sshBruteForce()], lines).findings).toEqual([]);
    const r = detect([sshBruteForce()], [...lines, line(240, failed('198.51.100.7'))]);
    expect(r.findings.map((f) => [f.ruleId, f.entity.ip, f.severity])).toEqual([
      ['ssh.brute-force', '198.51.100.7', 'high'],
    ]);
    expect(r.findings[0]?.evidence).toMatchObject({
      attempts: 5,
      maxAttemptsInWindow: 5,
      usersTried: ['root'],
    });
  });

  it('does not fire when the failures are spread wider than findtime', () => {
    const lines = [0, 200, 400, 600, 801].map((t) => line(t, failed('198.51.100.8')));
    expect(detect([sshBruteForce()], lines).findings).toEqual([]);
    expect(detect([sshBruteForce({ findTimeMs: 900_000 })], lines).findings).toHaveLength(1);
  });

  it('ignores publickey failures of valid users (clients offering several keys)', () => {
    const lines = [0, 1, 2, 3, 4, 5].map((t) =>
      line(t, 'Failed publickey for git from 192.0.2.1 port 5 ssh2: RSA SHA256:x'),
    );
    expect(detect([sshBruteForce()], lines).findings).toEqual([]);
  });

  it('keeps evidence growing after the first report, and counts folded repeats only when asked', () => {
    const lines = [
      line(0, failed('192.0.2.9')),
      line(1, 'message repeated 5 times: [ Failed password for root from 192.0.2.9 port 4 ssh2]'),
    ];
    expect(detect([sshBruteForce()], lines).findings).toEqual([]);
    const r = detect(
      [sshBruteForce({ expandRepeats: true })],
      [...lines, line(30, failed('192.0.2.9', 'admin'))],
    );
    expect(r.findings[0]?.evidence).toMatchObject({ attempts: 7, usersTried: ['root', 'admin'] });
  });
});
