import type { AuthFacts, PeerFacts } from './classified.js';

/**
 * The handful of sshd messages that make up nearly all of an Internet-facing auth.log (failed passwords, invalid
 * users, pre-auth disconnects, accepted keys), read with indexOf and charCodeAt instead of the regular expressions
 * in sshd-messages.ts. Each reader takes only the plain shape of its message and returns exactly what the regular
 * expression gives for it; anything else (spaces in a user name, an IPv6 or `host:port` peer, `on ADDR`, trailing
 * blanks, ...) returns undefined and goes to the regular expressions, which stay the definition
 * (sshd-fast.test.ts holds the two to each other).
 */
export function fastSshd(s: string): AuthFacts | PeerFacts | undefined {
  switch (s.charCodeAt(0)) {
    case 70: // F
      return s.startsWith('Failed ') ? failed(s) : undefined;
    case 73: // I
      return s.startsWith('Invalid user ') ? invalidUser(s) : undefined;
    case 67: // C
      if (s.startsWith('Connection closed by ')) return closedUser(s, 21);
      return s.startsWith('Connection reset by ') ? closedUser(s, 20) : undefined;
    case 68: // D
      return s.startsWith('Disconnected from ') ? closedUser(s, 18) : undefined;
    case 82: // R
      return s.startsWith('Received disconnect from ') ? receivedDisconnect(s) : undefined;
    case 65: // A
      return s.startsWith('Accepted ') ? accepted(s) : undefined;
    default:
      return undefined;
  }
}

/** A non-empty run of non-space characters starting at `from`: its end, or -1 when empty. */
function tokenEnd(s: string, from: number): number {
  let i = from;
  while (i < s.length && s.charCodeAt(i) !== 32) i++;
  return i === from ? -1 : i;
}

/**
 * Whether `s[from, to)` is non-empty and holds no character that `\s` or `.` treat specially (whitespace of any
 * kind, line terminators): then `\S+` and `.*` read it the way the token split here does.
 */
function plain(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 127) return false;
    if (
      c >= 0xa0 &&
      (c === 0xa0 ||
        c === 0x1680 ||
        (c >= 0x2000 && c <= 0x200a) ||
        c === 0x2028 ||
        c === 0x2029 ||
        c === 0x202f ||
        c === 0x205f ||
        c === 0x3000 ||
        c === 0xfeff)
    )
      return false;
  }
  return to > from;
}

/** A peer token the regular expressions read as a whole: plain, and no colon (IPv6, `host:port`: the long way). */
function plainHost(s: string, from: number, to: number): boolean {
  return plain(s, from, to) && noColon(s, from, to);
}

function noColon(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === 58) return false;
  return true;
}

/** Digits from `from`: their end, or -1 when there are none or too many to be a port. */
function digitsEnd(s: string, from: number): number {
  let i = from;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  return i === from || i - from > 9 ? -1 : i;
}

/** ` port N` at `from`: [end of N, N], or null. */
function portAt(s: string, from: number): [number, number] | null {
  if (!s.startsWith(' port ', from)) return null;
  const end = digitsEnd(s, from + 6);
  return end < 0 ? null : [end, Number(s.slice(from + 6, end))];
}

/** ` ssh` + digits at the end, or followed by `: ` and anything. */
function sshTail(s: string, from: number): boolean {
  if (from === s.length) return true;
  if (!s.startsWith(' ssh', from)) return false;
  let i = from + 4;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  return i === s.length || (s.charCodeAt(i) === 58 && s.charCodeAt(i + 1) === 32 && !hasLineBreak(s, i + 2));
}

/** `.` stops at these, so `: .*` does not read past them. */
function hasLineBreak(s: string, from: number): boolean {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

const plainAll = (s: string): boolean => plain(s, 0, s.length);

function failure(
  reason: AuthFacts['reason'],
  host: string,
  port: number,
  user: string | undefined,
  invalidUser: boolean | undefined,
  method: string | undefined,
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

/** `Failed METHOD for [invalid user ]USER from HOST port N[ ssh2[: ...]]` */
function failed(s: string): AuthFacts | undefined {
  const mEnd = tokenEnd(s, 7);
  if (mEnd < 0 || !s.startsWith(' for ', mEnd)) return undefined;
  if (!plain(s, 7, mEnd)) return undefined;
  const method = s.slice(7, mEnd);
  let u = mEnd + 5;
  const invalid = s.startsWith('invalid user ', u);
  if (invalid) u += 13;
  const from = s.indexOf(' from ', u);
  if (from < 0) return undefined;
  const user = s.slice(u, from);
  if (!plainAll(user) || (!invalid && user.includes(':'))) return undefined;
  const h = from + 6;
  const hEnd = tokenEnd(s, h);
  if (hEnd < 0 || !plainHost(s, h, hEnd)) return undefined;
  const p = portAt(s, hEnd);
  if (p === null || !sshTail(s, p[0])) return undefined;
  return failure('failed', s.slice(h, hEnd), p[1], user, invalid, method);
}

/** `Invalid user USER from HOST port N[ [preauth]]` */
function invalidUser(s: string): AuthFacts | undefined {
  const from = s.indexOf(' from ', 13);
  if (from < 0) return undefined;
  const user = s.slice(13, from);
  if (!plainAll(user)) return undefined;
  const h = from + 6;
  const hEnd = tokenEnd(s, h);
  if (hEnd < 0 || !plainHost(s, h, hEnd)) return undefined;
  const p = portAt(s, hEnd);
  if (p === null) return undefined;
  if (p[0] !== s.length && !(p[0] + 10 === s.length && s.endsWith(' [preauth]'))) return undefined;
  return failure('invalid-user', s.slice(h, hEnd), p[1], user, true, undefined);
}

/**
 * `Connection closed by|Connection reset by|Disconnected from (invalid|authenticating) user USER HOST port N
 * [preauth]`: a failure before authentication; without `[preauth]` it only names the connection's peer.
 */
function closedUser(s: string, from: number): AuthFacts | PeerFacts | undefined {
  let u: number;
  if (s.startsWith('authenticating user ', from)) u = from + 20;
  else if (s.startsWith('invalid user ', from)) u = from + 13;
  else return undefined;
  const preauth = s.endsWith(' [preauth]');
  const end = preauth ? s.length - 10 : s.length;
  const last = s.charCodeAt(end - 1);
  if (!(last >= 48 && last <= 57)) return undefined;
  const portAtIdx = s.lastIndexOf(' port ', end);
  if (portAtIdx < u) return undefined;
  const p = portAt(s, portAtIdx);
  if (p === null || p[0] !== end) return undefined;
  const hostStart = s.lastIndexOf(' ', portAtIdx - 1) + 1;
  if (hostStart <= u) return undefined;
  if (!plainHost(s, hostStart, portAtIdx)) return undefined;
  const user = s.slice(u, hostStart - 1);
  if (!plainAll(user)) return undefined;
  const host = s.slice(hostStart, portAtIdx);
  if (!preauth) return { kind: 'peer', host, port: p[1] };
  return failure('preauth-close-user', host, p[1], user, undefined, undefined);
}

/** `Received disconnect from HOST port N:CODE: TEXT[ [preauth]]` */
function receivedDisconnect(s: string): AuthFacts | PeerFacts | undefined {
  const h = 25;
  const hEnd = tokenEnd(s, h);
  if (hEnd < 0 || !plainHost(s, h, hEnd)) return undefined;
  const p = portAt(s, hEnd);
  if (p === null || s.charCodeAt(p[0]) !== 58) return undefined;
  const codeEnd = digitsEnd(s, p[0] + 1);
  if (codeEnd < 0 || s.charCodeAt(codeEnd) !== 58 || s.charCodeAt(codeEnd + 1) !== 32) return undefined;
  const last = s.charCodeAt(s.length - 1);
  if (last === 32 || (last >= 9 && last <= 13) || hasLineBreak(s, codeEnd + 2)) return undefined;
  const code = s.slice(p[0] + 1, codeEnd);
  const text = s.endsWith(' [preauth]') ? s.slice(codeEnd + 2, s.length - 10) : s.slice(codeEnd + 2);
  const host = s.slice(h, hEnd);
  // The same reading of the reason as the regular-expression path.
  if (code === '3' && text.includes('Auth fail'))
    return failure('auth-fail-disconnect', host, p[1], undefined, undefined, undefined);
  if (code === '14' && /^No (?:supported )?authentication methods available/.test(text))
    return failure('no-auth-methods', host, p[1], undefined, undefined, undefined);
  return { kind: 'peer', host, port: p[1] };
}

/** `Accepted METHOD for USER from HOST port N ...` */
function accepted(s: string): AuthFacts | undefined {
  const mEnd = tokenEnd(s, 9);
  if (mEnd < 0 || !s.startsWith(' for ', mEnd)) return undefined;
  const uEnd = tokenEnd(s, mEnd + 5);
  if (uEnd < 0 || !s.startsWith(' from ', uEnd) || !plain(s, 9, mEnd) || !plain(s, mEnd + 5, uEnd))
    return undefined;
  const h = uEnd + 6;
  const hEnd = tokenEnd(s, h);
  if (hEnd < 0 || !plainHost(s, h, hEnd)) return undefined;
  const p = portAt(s, hEnd);
  if (p === null || (p[0] !== s.length && s.charCodeAt(p[0]) !== 32)) return undefined;
  return {
    kind: 'auth',
    outcome: 'success',
    reason: 'accepted',
    method: s.slice(9, mEnd),
    user: s.slice(mEnd + 5, uEnd),
    invalidUser: undefined,
    host: s.slice(h, hEnd),
    port: p[1],
    count: undefined,
    time: undefined,
  };
}
