import type { Detector, RuleMeta } from '../detector.js';
import { str } from './fields.js';
import { peerOf } from './ssh-common.js';

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

export const sshRootPasswordLogin: Detector = {
  meta,
  kinds: ['auth'],
  detect(e) {
    if (e.fields['auth.outcome'] !== 'success' || str(e, 'auth.user') !== 'root') return null;
    const method = str(e, 'auth.method');
    const ip = peerOf(e);
    if (method === undefined || !PASSWORD_METHODS.has(method) || ip === undefined) return null;
    return {
      entity: { kind: 'source-ip', ip, name: 'root' },
      evidence: { ip, user: 'root', method, line: str(e, 'log.message') ?? null },
    };
  },
};
