import { describe, expect, it } from 'vitest';
import { accepted, detect, failed, line } from '../../../test/fixtures/authlog/lines.js';
import { sshFleetAttackerLogin } from './ssh-fleet-attacker-login.js';

describe('ssh.fleet-attacker-login', () => {
  const fleet = {
    lookup: (ip: string) =>
      ip === '198.51.100.66' ? { hosts: ['db1'], firstSeen: '2026-03-01T00:00:00Z' } : null,
  };

  it('fires on a login from an address that brute-forced another host', () => {
    const r = detect(
      [sshFleetAttackerLogin(fleet)],
      [
        line(0, failed('198.51.100.66')),
        line(1, accepted('198.51.100.66', 'alice')),
        line(2, accepted('198.51.100.67')),
      ],
    );
    expect(r.findings.map((f) => [f.entity.ip, f.evidence.bruteForcedHosts])).toEqual([
      ['198.51.100.66', ['db1']],
    ]);
  });

  it('has nothing to say without fleet intel', () => {
    expect(detect([sshFleetAttackerLogin()], [line(0, accepted('198.51.100.66'))]).findings).toEqual([]);
  });
});
