import type { AuthFacts, Classified } from './classified.js';

const DROPBEAR_STAMP_RE = /^\[\d+\] [A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2} /;
const DROPBEAR_BAD_PW_RE = /^[Bb]ad password attempt for '(.*)' from (\S+)$/;
const DROPBEAR_NO_USER_RE = /^[Ll]ogin attempt for nonexistent user(?: '(.*)')? from (\S+)$/;
const DROPBEAR_MAX_RE =
  /^Exit before auth(?: from <(\S+)>)?:? (?:\(user '(.*?)', \d+ fails\): )?Max auth tries reached - user '(.*?)'(?: from (\S+))?\s*$/;
const DROPBEAR_OK_RE = /^(Password|Pubkey) auth succeeded for '(.*?)'.* from (\S+)$/;

/** dropbear writes `host:port` (IPv6 too, unbracketed): the port is after the last colon. */
function splitHostPort(s: string): { host: string; port?: number } {
  const i = s.lastIndexOf(':');
  if (i > 0 && /^\d{1,5}$/.test(s.slice(i + 1))) return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
  return { host: s };
}

export function classifyDropbear(message: string): Classified {
  const s = message.replace(DROPBEAR_STAMP_RE, '');
  let m = DROPBEAR_BAD_PW_RE.exec(s);
  if (m)
    return {
      kind: 'auth',
      outcome: 'failure',
      reason: 'failed',
      method: 'password',
      user: m[1] as string,
      ...splitHostPort(m[2] as string),
    };
  m = DROPBEAR_NO_USER_RE.exec(s);
  if (m)
    return {
      kind: 'auth',
      outcome: 'failure',
      reason: 'invalid-user',
      invalidUser: true,
      ...(m[1] !== undefined ? { user: m[1] } : {}),
      ...splitHostPort(m[2] as string),
    };
  m = DROPBEAR_MAX_RE.exec(s);
  if (m) {
    const where = m[1] ?? m[4];
    const f: AuthFacts = {
      kind: 'auth',
      outcome: 'failure',
      reason: 'max-attempts',
      user: (m[2] ?? m[3]) as string,
    };
    return where ? { ...f, ...splitHostPort(where) } : f;
  }
  m = DROPBEAR_OK_RE.exec(s);
  if (m)
    return {
      kind: 'auth',
      outcome: 'success',
      reason: 'accepted',
      method: m[1] === 'Password' ? 'password' : 'publickey',
      user: m[2] as string,
      ...splitHostPort(m[3] as string),
    };
  return null;
}

const PAM_FAILURE_RE = /^(?:\(?pam_\w+\)?(?:\([^)]*\))?:? |pam_\w+\([^)]*\): )authentication failure;(.*)$/;

/**
 * `pam_unix(sshd:auth): authentication failure; logname= uid=0 ... ruser=X rhost=H [user=U]`. ruser and user are
 * free text: the real rhost is the one followed by ` user=` or the end of the line.
 */
export function classifyPam(message: string): Classified {
  const m = PAM_FAILURE_RE.exec(message);
  if (!m) return null;
  const rest = m[1] as string;
  let from = 0;
  for (;;) {
    const i = rest.indexOf(' rhost=', from);
    if (i < 0) return null;
    const valStart = i + 7;
    let valEnd = rest.indexOf(' ', valStart);
    if (valEnd < 0) valEnd = rest.length;
    const after = rest.slice(valEnd);
    const userMatch = /^\s+user=(.*)$/.exec(after);
    if (userMatch || /^\s*$/.test(after)) {
      const host = rest.slice(valStart, valEnd);
      if (host === '') return null;
      const f: AuthFacts = { kind: 'auth', outcome: 'failure', reason: 'pam-failure', host };
      const u = userMatch?.[1]?.trim();
      if (u) f.user = u;
      return f;
    }
    from = valStart;
  }
}

const AUDIT_RE = /^type=(USER_AUTH|USER_ERR) msg=audit\((\d+)(?:\.(\d+))?:\d+\): (.*)$/;

function auditValue(body: string, key: string): string | undefined {
  const m = new RegExp(`(?:^|[\\s'])${key}=("[^"]*"|\\S+)`).exec(body);
  if (!m?.[1]) return undefined;
  const v = m[1];
  if (v.startsWith('"')) return v.slice(1, -1);
  // auditd writes values with spaces or odd bytes hex-encoded, unquoted.
  if (/^[0-9A-F]+$/.test(v) && v.length % 2 === 0 && key === 'acct')
    return Buffer.from(v, 'hex').toString('latin1');
  return v.replace(/'$/, '');
}

/** SELinux/auditd records of failed sshd authentication (USER_AUTH, USER_ERR with res=failed). */
export function classifyAudit(line: string): Classified {
  const m = AUDIT_RE.exec(line);
  if (!m) return null;
  const body = m[4] as string;
  if (!/exe="?\/usr\/s?bin\/sshd/.test(body) || !/res=failed/.test(body)) return null;
  const addr = auditValue(body, 'addr');
  const hostname = auditValue(body, 'hostname');
  const host = addr && addr !== '?' ? addr : hostname && hostname !== '?' ? hostname : undefined;
  if (!host) return null;
  const acct = auditValue(body, 'acct');
  const f: AuthFacts = {
    kind: 'auth',
    outcome: 'failure',
    reason: 'audit-failure',
    host,
    time: Number(m[2]) * 1000 + (m[3] ? Number(m[3].padEnd(3, '0').slice(0, 3)) : 0),
  };
  if (acct && acct !== '?') f.user = acct;
  const op = /op=(\S+)/.exec(body)?.[1];
  if (op) f.method = op.replace(/^PAM:/, '');
  return f;
}
