import type { RuleMeta } from '../detector.js';
import { AuthView, type AuthViewDetector } from './ssh-common.js';

const meta: RuleMeta = {
  id: 'ssh.root-password-login',
  title: 'root logged in over SSH with a password',
  severity: 'high',
  confidence: 0.9,
  category: 'initial-access',
  techniques: ['T1078', 'T1021.004'],
  recommendation:
    'Set PermitRootLogin prohibit-password (or no) and log in as a named user with a key; confirm this login was expected.',
  falsePositives: 'Lab machines and appliances administered as root on purpose.',
};

const PASSWORD_METHODS = new Set(['password', 'keyboard-interactive', 'keyboard-interactive/pam']);

/** Root logins by password, read through `view` (an SSH detector set passes its shared one). */
export function rootPasswordLogin(view: AuthView): AuthViewDetector {
  return {
    meta,
    kinds: ['auth'],
    only: 'successes',
    view,
    detect(e) {
      return this.observe(view.of(e));
    },
    observe(v) {
      if (!v.success || v.user !== 'root') return null;
      const method = v.method;
      const ip = v.peer;
      if (method === undefined || !PASSWORD_METHODS.has(method) || ip === undefined) return null;
      return {
        entity: { kind: 'source-ip', ip, name: 'root' },
        evidence: { ip, user: 'root', method, line: v.line ?? null },
      };
    },
  };
}

export const sshRootPasswordLogin: AuthViewDetector = rootPasswordLogin(new AuthView());
