import type { AuthFacts, AuthReason, Classified } from './classified.js';

// Host and user fields come last or are anchored on fixed words after them, because user names are attacker
// input: "Failed password for x from 1.2.3.4 port 1 ssh2: ... from 5.6.7.8" must give 1.2.3.4, not 5.6.7.8.
const FAILED_RE =
  /^Failed (\S+) for (?:(invalid user )((?:(?! from ).)*?)|(\S+)|([^:]+?)) from (\S+?)(?: port (\d+))?(?: on \S+)?(?: ssh\d*)?(?:: .*)?\s*$/;
const INVALID_RE =
  /^(?:Illegal|Invalid) user (.*?) from (\S+?)(?: port (\d+))?(?: on \S+)?(?: \[preauth\])?\s*$/;
const AUTH_ERROR_RE =
  /^(?:[Aa]uthentication (?:failure|error|failed)|User not known to the underlying authentication module) for (?:illegal user |invalid user )?(.*?) (?:from )?(\S+)(?: via \S+)?(?: port (\d+))?(?: on \S+)?(?: \[preauth\])?\s*$/;
const ROOT_REFUSED_RE = /^ROOT LOGIN REFUSED FROM (\S+?)(?: port (\d+))?(?: \[preauth\])?\s*$/;
const NOT_ALLOWED_RE =
  /^User (\S+|.*?) (?:from )?(\S+) not allowed because (?!account is locked)(.+?)(?: \[preauth\])?\s*$/;
const LOCKED_RE = /^User (\S+|.*?) not allowed because account is locked/;
const REFUSED_CONNECT_RE = /^refused connect from \S+ \((\S+)\)/;
const RECEIVED_DISCONNECT_RE =
  /^Received disconnect from (\S+?)(?: port (\d+))?:\s*(\d+): (.*?)(?: \[preauth\])?\s*$/;
const MAX_ATTEMPTS_RE =
  /^maximum authentication attempts exceeded for (invalid user )?(.*?) from (\S+?)(?: port (\d+))?(?: ssh\d*)?(?: \[preauth\])?\s*$/;
const TOO_MANY_RE = /^Disconnecting: Too many authentication failures(?: for (.*?))?(?: \[preauth\])?\s*$/;
const DISCONNECTING_USER_RE =
  /^Disconnecting (?:from )?(invalid|authenticating) user (\S+) (\S+) port (\d+): (.*?)\s*$/;
const CLOSED_USER_RE =
  /^(?:Connection (?:closed|reset)|Disconnected) (?:by |from )?(?:invalid|authenticating) user (.*) (\S+) port (\d+)(?: on \S+)?$/;
const CLOSED_RE =
  /^(?:Connection (?:closed|reset)|Disconnected) (?:by |from )?(\S+?)(?: port (\d+))?(?: on \S+)?(?:: .*)?$/;
const NO_IDENT_RE = /^Did not receive identification string from (\S+?)(?: port (\d+))?\s*$/;
const BAD_PROTOCOL_RE =
  /^Bad protocol version identification '.*' (?:from )?(\S+?)(?: port (\d+))?(?: \[preauth\])?\s*$/;
const BANNER_RE = /^(banner exchange|ssh_dispatch_run_fatal): Connection from (\S+?)(?: port (\d+))?: (.*)$/;
const NEGOTIATE_WITH_RE = /^Unable to negotiate with (\S+?)(?: port (\d+))?: no matching/;
const TIMEOUT_RE =
  /^Timeout before authentication for (?:connection from )?(\S+?)(?: port (\d+))?(?:[ ,].*)?$/;
const LTYPE_RE = /^SSH: Server;Ltype: \w+;Remote: (\S+)-(\d+);/;
const CONNECTION_FROM_RE = /^Connection from (\S+) port (\d+)/;
const ACCEPTED_RE = /^Accepted (\S+) for (\S+) from (\S+?)(?: port (\d+))?(?:\s|$)/;
const KERNEL_RE = /^kernel: ?\[ *\d+\.\d+\]:? ?/;
const REPEATED_RE = /^message repeated (\d+) times: \[ ?(.*?)\]\s*$/;

/**
 * A failure with every field in place: one object shape for all, and the optional fields as arguments rather than
 * an object of extras, which cost an allocation per line.
 */
function fail(
  reason: AuthReason,
  host: string | undefined,
  user?: string,
  port?: number,
  invalidUser?: boolean,
  method?: string,
): AuthFacts {
  return {
    kind: 'auth',
    outcome: 'failure',
    reason,
    method,
    user,
    invalidUser,
    host,
    port,
    count: undefined,
    time: undefined,
  };
}

/** A port the expressions captured as `\d+`: read digit by digit, cheaper than Number() per line; long runs of
 * digits (past exact doubles) are left to Number() so the value is the same. */
function toPort(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const n = s.length;
  if (n > 15) return Number(s);
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 10 + (s.charCodeAt(i) - 48);
  return v;
}

/** Strips prefixes several OpenSSH builds and platforms put before the message proper. */
export function stripSshdPrefixes(msg: string): string {
  // Only messages starting k[ernel:], [[ID ], e[rror: ], f[atal: ] or P[AM: ] carry a prefix: one look for the rest.
  const c0 = msg.charCodeAt(0);
  if (c0 !== 107 && c0 !== 91 && c0 !== 101 && c0 !== 102 && c0 !== 80) return msg;
  let s = msg;
  if (s.startsWith('kernel:')) s = s.replace(KERNEL_RE, '');
  if (s.startsWith('[ID ')) {
    const close = s.indexOf('] ');
    if (close > 0) s = s.slice(close + 2);
  }
  if (s.startsWith('error: ')) s = s.slice(7);
  else if (s.startsWith('fatal: ')) s = s.slice(7);
  if (s.startsWith('PAM: ')) s = s.slice(5);
  return s;
}

/**
 * Classifies one sshd message (the part after `sshd[pid]: `). Dispatches on the first word so that the common
 * lines cost one or two regex runs.
 */
export function classifySshd(message: string): Classified {
  const s = stripSshdPrefixes(message);
  switch (s.charCodeAt(0)) {
    case 70: {
      // F
      const m = FAILED_RE.exec(s);
      if (!m) return null;
      const method = m[1] as string;
      const invalid = m[2] !== undefined;
      return fail('failed', m[6], (invalid ? m[3] : (m[4] ?? m[5])) ?? '', toPort(m[7]), invalid, method);
    }
    case 73: {
      // I
      const m = INVALID_RE.exec(s);
      return m ? fail('invalid-user', m[2], m[1] ?? '', toPort(m[3]), true) : null;
    }
    case 97: {
      // a(uthentication error), as some PAM builds write it
      const m = AUTH_ERROR_RE.exec(s);
      return m ? fail('auth-error', m[2], m[1], toPort(m[3])) : null;
    }
    case 65: {
      // A
      if (s.startsWith('Accepted ')) {
        const m = ACCEPTED_RE.exec(s);
        if (!m) return null;
        return {
          kind: 'auth',
          outcome: 'success',
          reason: 'accepted',
          method: m[1] as string,
          user: m[2] as string,
          host: m[3] as string,
          port: toPort(m[4]),
        };
      }
      const m = AUTH_ERROR_RE.exec(s);
      return m ? fail('auth-error', m[2], m[1], toPort(m[3])) : null;
    }
    case 85: {
      // U
      if (s.startsWith('User not known')) {
        const m = AUTH_ERROR_RE.exec(s);
        return m ? fail('auth-error', m[2], m[1], toPort(m[3])) : null;
      }
      if (s.startsWith('Unable to negotiate')) {
        const m = NEGOTIATE_WITH_RE.exec(s);
        return fail('negotiation-failed', m?.[1], undefined, toPort(m?.[2]));
      }
      const locked = LOCKED_RE.exec(s);
      if (locked) return fail('not-allowed', undefined, locked[1]);
      const m = NOT_ALLOWED_RE.exec(s);
      return m ? fail('not-allowed', m[2], m[1]) : null;
    }
    case 82: {
      // R
      if (s.startsWith('ROOT LOGIN REFUSED')) {
        const m = ROOT_REFUSED_RE.exec(s);
        return m ? fail('root-refused', m[1], 'root', toPort(m[2])) : null;
      }
      if (s.startsWith('Received disconnect')) {
        const m = RECEIVED_DISCONNECT_RE.exec(s);
        if (!m) return null;
        const code = m[3];
        if (code === '3' && /Auth fail/.test(m[4] as string))
          return fail('auth-fail-disconnect', m[1], undefined, toPort(m[2]));
        if (code === '14' && /^No (?:supported )?authentication methods available/.test(m[4] as string))
          return fail('no-auth-methods', m[1], undefined, toPort(m[2]));
        return { kind: 'peer', host: m[1] as string, port: toPort(m[2]) };
      }
      if (s.startsWith('Read from socket failed: Connection reset by peer'))
        return fail('kex-failure', undefined);
      return null;
    }
    case 114: {
      // r
      const m = REFUSED_CONNECT_RE.exec(s);
      return m ? fail('refused-connect', m[1]) : null;
    }
    case 109: {
      // m
      if (s.startsWith('maximum authentication attempts')) {
        const m = MAX_ATTEMPTS_RE.exec(s);
        return m ? fail('max-attempts', m[3], m[2] ?? '', toPort(m[4]), m[1] !== undefined) : null;
      }
      const r = REPEATED_RE.exec(s);
      if (!r) return null;
      const inner = classifySshd(r[2] as string);
      if (inner?.kind === 'auth') inner.count = Number(r[1]);
      return inner;
    }
    case 68: {
      // D
      if (s.startsWith('Did not receive')) {
        const m = NO_IDENT_RE.exec(s);
        return m ? fail('no-identification', m[1], undefined, toPort(m[2])) : null;
      }
      if (s.startsWith('Disconnecting: Too many')) {
        const m = TOO_MANY_RE.exec(s);
        return m ? fail('too-many-failures', undefined, m[1]) : null;
      }
      const d = DISCONNECTING_USER_RE.exec(s);
      if (d) {
        const why = d[5] as string;
        const reason: AuthReason = why.startsWith('Change of username')
          ? 'change-user'
          : why.startsWith('Too many authentication failures')
            ? 'too-many-disconnect'
            : 'preauth-close-user';
        return fail(reason, d[3], d[2] as string, toPort(d[4]), d[1] === 'invalid');
      }
      return closed(s);
    }
    case 67: {
      // C
      if (s.startsWith('Connection from ')) {
        const m = CONNECTION_FROM_RE.exec(s);
        return m ? { kind: 'peer', host: m[1] as string, port: toPort(m[2]) } : null;
      }
      return closed(s);
    }
    case 66: {
      // B
      const m = BAD_PROTOCOL_RE.exec(s);
      return m ? fail('bad-protocol', m[1], undefined, toPort(m[2])) : null;
    }
    case 98:
    case 115: {
      // b(anner exchange), s(sh_dispatch_run_fatal), S(SH: Server;Ltype)
      const m = BANNER_RE.exec(s);
      if (!m) return null;
      if (m[1] === 'banner exchange')
        return /invalid format/.test(m[4] as string)
          ? fail('bad-banner', m[2], undefined, toPort(m[3]))
          : null;
      return /message authentication code incorrect|[Cc]onnection corrupted/.test(m[4] as string)
        ? fail('dispatch-fatal', m[2], undefined, toPort(m[3]))
        : null;
    }
    case 83: {
      const m = LTYPE_RE.exec(s);
      return m ? { kind: 'peer', host: m[1] as string, port: Number(m[2]) } : null;
    }
    case 107: {
      // k
      if (
        /^kex_exchange_identification: (?:read: )?(?:[Cc]lient sent invalid protocol identifier|[Cc]onnection (?:closed by remote host|reset by peer))/.test(
          s,
        )
      )
        return fail('kex-failure', undefined);
      return null;
    }
    case 110: {
      // n
      return /^no matching \w+(?: \w+){0,2} found/.test(s) ? fail('negotiation-failed', undefined) : null;
    }
    case 84: {
      // T
      const m = TIMEOUT_RE.exec(s);
      return m ? fail('timeout', m[1], undefined, toPort(m[2])) : null;
    }
    default:
      return null;
  }
}

function closed(text: string): Classified {
  let s = text.trimEnd();
  const preauth = s.endsWith(' [preauth]');
  if (preauth) s = s.slice(0, -10);
  const u = CLOSED_USER_RE.exec(s);
  if (u) {
    if (!preauth) return { kind: 'peer', host: u[2] as string, port: toPort(u[3]) };
    return fail('preauth-close-user', u[2], u[1] as string, toPort(u[3]));
  }
  const m = CLOSED_RE.exec(s);
  if (!m) return null;
  if (!preauth) return { kind: 'peer', host: m[1] as string, port: toPort(m[2]) };
  return fail('preauth-close', m[1], undefined, toPort(m[2]));
}
