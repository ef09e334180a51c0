import { describe, expect, it } from 'vitest';
import { accepted, detect, line } from '../../../test/fixtures/authlog/lines.js';
import { sshRootPasswordLogin } from './ssh-root-password-login.js';

describe('ssh.root-password-login', () => {
  it('fires for root with a password, not with a key, not for other users', () => {
    const r = detect(
      [sshRootPasswordLogin],
      [
        line(0, accepted('192.0.2.40')),
        line(1, accepted('192.0.2.41', 'root', 'publickey')),
        line(2, accepted('192.0.2.42', 'alice')),
      ],
    );
    expect(r.findings.map((f) => f.entity.ip)).toEqual(['192.0.2.40']);
  });
});
