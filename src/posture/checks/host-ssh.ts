import type { ResourceRef } from '../assets.js';
import type { SshdConfig, SshdSetting } from '../host/sshd.js';
import { type PostureCheck, type PostureHit, uniqLines } from './check.js';

const REFS = [
  'https://man.openbsd.org/sshd_config',
  'https://www.cisecurity.org/benchmark/distribution_independent_linux',
];

function ref(cfg: SshdConfig, s: SshdSetting | undefined): ResourceRef {
  return {
    address: 'sshd',
    type: 'sshd_config',
    file: s?.file ?? cfg.mainFile,
    line: s?.line ?? 0,
    source: 'host',
  };
}

/**
 * One check per sshd keyword. `bad` judges the effective value; Match blocks that set a bad value are reported too,
 * since they re-open the door for the users or addresses they match.
 */
function sshdCheck(
  id: string,
  keyword: string,
  title: string,
  severity: 'critical' | 'high' | 'medium' | 'low',
  bad: (value: string) => boolean,
  remediation: string,
): PostureCheck {
  return {
    meta: {
      id,
      title,
      severity,
      confidence: 0.95,
      category: 'posture',
      techniques: ['T1110', 'T1021.004'],
      remediation,
      references: REFS,
    },
    run(a) {
      const cfg = a.host?.sshd;
      if (!cfg) return [];
      const out: PostureHit[] = [];
      const s = cfg.settings.get(keyword);
      if (s && bad(s.value)) {
        out.push({
          resource: ref(cfg, s),
          line: s.line ?? 0,
          lines: uniqLines(s.line),
          key: 'global',
          evidence: {
            keyword,
            value: s.value,
            origin: s.origin,
            ...(s.origin === 'default' ? { note: 'not set: the OpenSSH default applies' } : {}),
          },
        });
      }
      for (const m of cfg.matches) {
        if (m.keyword !== keyword || !bad(m.value)) continue;
        out.push({
          resource: { ...ref(cfg, undefined), file: m.file, line: m.line },
          line: m.line,
          lines: [m.line],
          key: `match:${m.file}:${m.line}`,
          evidence: { keyword, value: m.value, origin: 'file', match: m.criteria },
        });
      }
      return out;
    },
  };
}

const yes = (v: string) => v.toLowerCase() === 'yes';

export const SSH_CHECKS: readonly PostureCheck[] = [
  sshdCheck(
    'posture.host.ssh-password-auth',
    'passwordauthentication',
    'SSH accepts passwords (brute-force target)',
    'high',
    yes,
    'Set PasswordAuthentication no (and KbdInteractiveAuthentication no); use keys or certificates. Reload sshd.',
  ),
  sshdCheck(
    'posture.host.ssh-root-login',
    'permitrootlogin',
    'SSH allows root to log in with a password',
    'high',
    yes,
    'Set PermitRootLogin no (or prohibit-password when root keys are needed for automation).',
  ),
  sshdCheck(
    'posture.host.ssh-empty-passwords',
    'permitemptypasswords',
    'SSH accepts empty passwords',
    'critical',
    yes,
    'Set PermitEmptyPasswords no.',
  ),
  sshdCheck(
    'posture.host.ssh-max-auth-tries',
    'maxauthtries',
    'SSH allows many password guesses per connection',
    'low',
    (v) => Number(v) > 4,
    'Set MaxAuthTries 4 or lower (CIS 5.2.7) so each connection gives a guesser fewer tries.',
  ),
];
