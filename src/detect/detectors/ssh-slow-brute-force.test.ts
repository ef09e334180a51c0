import { describe, expect, it } from 'vitest';
import { detect, invalid, line } from '../../../test/fixtures/authlog/lines.js';
import { sshSlowBruteForce } from './ssh-slow-brute-force.js';

describe('ssh.slow-brute-force', () => {
  it('overflows when attempts keep coming faster than one a minute', () => {
    const every30s = Array.from({ length: 22 }, (_, i) => line(i * 30, invalid('203.0.113.5', 'hadoop')));
    const r = detect([sshSlowBruteForce()], every30s);
    expect(r.findings.map((f) => f.entity.ip)).toEqual(['203.0.113.5']);
    // CrowdSec's bucket overflows on the 20th attempt at this pace: the first live report appears there.
    expect(r.live.findIndex((x) => x.length > 0)).toBe(19);
  });

  it('stays quiet at one attempt every 70 seconds', () => {
    const slow = Array.from({ length: 40 }, (_, i) => line(i * 70, invalid('203.0.113.6', 'x')));
    expect(detect([sshSlowBruteForce()], slow).findings).toEqual([]);
  });
});
