import { describe, expect, it } from 'vitest';
import { detect, failed, line } from '../../../test/fixtures/authlog/lines.js';
import { sshPasswordSpray } from './ssh-password-spray.js';

describe('ssh.password-spray', () => {
  it('fires when ten addresses fail for one account within an hour', () => {
    const lines = Array.from({ length: 10 }, (_, i) =>
      line(i * 300, failed(`198.51.100.${i + 1}`, 'deploy')),
    );
    const r = detect([sshPasswordSpray()], lines);
    expect(r.findings.map((f) => [f.entity.kind, f.entity.name])).toEqual([['account', 'deploy']]);
    expect(r.findings[0]?.evidence.sources).toHaveLength(10);
    expect(detect([sshPasswordSpray()], lines.slice(0, 9)).findings).toEqual([]);
  });

  it('does not fire for many failures from one address', () => {
    const lines = Array.from({ length: 30 }, (_, i) => line(i, failed('198.51.100.1', 'deploy')));
    expect(detect([sshPasswordSpray()], lines).findings).toEqual([]);
  });
});
