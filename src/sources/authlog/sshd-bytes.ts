/**
 * The handful of sshd message forms that make up nearly all of a brute-forced auth.log, read straight from the
 * bytes: the fields come out as byte ranges, so a line costs no decoded string and no regex run. Each form is
 * accepted only in its plain shape (single-token user and host, every byte printable ASCII, nothing trailing); for
 * such a message `classifySshd` (or `classifyPam`) gives exactly these fields, and anything else answers false and
 * takes the string path, which stays the one definition of the formats. A test holds the two paths equal over every
 * real log in ../shared and damaged variants of them.
 */

/** What `classifySshdBytes` found, written into one reused object. */
export class SshdByteFacts {
  /** 1: an attempt, 2: a line that only names the connection's peer, 3: a line that classifies as nothing. */
  kind = 0;
  failure = true;
  reason = '';
  method: string | undefined = undefined;
  /** As `AuthFacts.invalidUser`: true, false (a `Failed` line for a valid user) or undefined (not said). */
  invalidUser: boolean | undefined = undefined;
  userStart = -1;
  userEnd = -1;
  /** FNV-1a of the user's bytes, worked out while they were scanned (see `fnv`). */
  userHash = 0;
  hostStart = -1;
  hostEnd = -1;
  hostHash = 0;
  port: number | undefined = undefined;
  count = 0;
}

export const ATTEMPT = 1;
export const PEER = 2;
export const NOTHING = 3;

const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

const FAILED = bytes('Failed ');
const FOR = bytes(' for ');
const INVALID_USER = bytes('invalid user ');
const FROM = bytes(' from ');
const PORT = bytes(' port ');
const SSH = bytes(' ssh');
const INVALID = bytes('Invalid user ');
const PREAUTH = bytes(' [preauth]');
const PAM_AUTH = bytes('pam_unix(sshd:auth): authentication failure;');
const PAM_SESSION = bytes('pam_unix(sshd:session): session ');
const RHOST = bytes(' rhost=');
const PAM_FIELDS = bytes(' logname= uid=0 euid=0 tty=ssh ruser= rhost=');
const USER_EQ = bytes('user=');
const CLOSED_BY = bytes('Connection closed by ');
const DISCONNECTED_FROM = bytes('Disconnected from ');
const AUTHENTICATING_USER = bytes('authenticating user ');
const RECEIVED = bytes('Received disconnect from ');
const NEGOTIATE = bytes('Unable to negotiate with ');
const NO_MATCHING = bytes(': no matching');
const ACCEPTED = bytes('Accepted ');
const REPEATED = bytes('message repeated ');
const TIMES = bytes(' times: [');

/** The methods this path reads, in the order native/authlog_walk.cc numbers them (1..). */
export const SSHD_METHOD_NAMES: readonly string[] = [
  'password',
  'publickey',
  'none',
  'keyboard-interactive/pam',
  'hostbased',
  'gssapi-with-mic',
];
/** Methods as strings once each: detectors compare them, and equal interned strings compare fastest. */
const METHODS = SSHD_METHOD_NAMES.map((name) => ({ name, b: bytes(name) }));

function at(buf: Uint8Array, i: number, end: number, lit: Uint8Array): boolean {
  const n = lit.length;
  if (i + n > end) return false;
  for (let k = 0; k < n; k++) if (buf[i + k] !== lit[k]) return false;
  return true;
}

/** End of a run of printable, non-space ASCII from `i` (the index of the first other byte). */
function token(buf: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = buf[i] as number;
    if (c < 33 || c > 126) break;
    i++;
  }
  return i;
}

/** The FNV-1a hash of a byte string, as the token readers fold it in: callers key caches by it. */
export function fnv(buf: Uint8Array, start: number, end: number): number {
  let h = FNV_BASIS;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (buf[i] as number), FNV_PRIME);
  return h;
}

const FNV_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** `token` for a user name, hashing it on the way into `f.userHash`. */
function userToken(buf: Uint8Array, i: number, end: number, f: SshdByteFacts): number {
  let h = FNV_BASIS;
  while (i < end) {
    const c = buf[i] as number;
    if (c < 33 || c > 126) break;
    h = Math.imul(h ^ c, FNV_PRIME);
    i++;
  }
  f.userHash = h;
  return i;
}

/**
 * End of a host token: letters, digits, dot, dash and underscore only. No colon (IPv6 and `host:` forms are left
 * to the regexes, whose lazy host captures can split on a colon), no brackets. Hashed into `f.hostHash`.
 */
function hostToken(buf: Uint8Array, i: number, end: number, f: SshdByteFacts): number {
  let h = FNV_BASIS;
  while (i < end) {
    const c = buf[i] as number;
    if (
      (c >= 46 && c <= 57 && c !== 47) ||
      (c >= 97 && c <= 122) ||
      (c >= 65 && c <= 90) ||
      c === 45 ||
      c === 95
    ) {
      h = Math.imul(h ^ c, FNV_PRIME);
      i++;
    } else break;
  }
  f.hostHash = h;
  return i;
}

/** Whether `buf[i, end)` is all printable ASCII (spaces included). */
function printable(buf: Uint8Array, i: number, end: number): boolean {
  for (; i < end; i++) {
    const c = buf[i] as number;
    if (c < 32 || c > 126) return false;
  }
  return true;
}

/** 1 to 9 digits from `i`: the index after them, with the value in `f.port`; -1 when there are none or too many. */
function digits(buf: Uint8Array, i: number, end: number, f: SshdByteFacts): number {
  const from = i;
  let v = 0;
  while (i < end) {
    const c = buf[i] as number;
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    i++;
  }
  if (i === from || i - from > 9) return -1;
  f.port = v;
  return i;
}

function methodOf(buf: Uint8Array, start: number, end: number): string | undefined {
  for (const m of METHODS) if (m.b.length === end - start && at(buf, start, end, m.b)) return m.name;
  return undefined;
}

/** `host port N` with nothing after the digits but `end` or a byte the form allows: the index after the digits. */
function hostPort(buf: Uint8Array, i: number, end: number, f: SshdByteFacts): number {
  const h = hostToken(buf, i, end, f);
  if (h === i) return -1;
  f.hostStart = i;
  f.hostEnd = h;
  if (!at(buf, h, end, PORT)) return -1;
  return digits(buf, h + PORT.length, end, f);
}

function reset(f: SshdByteFacts): void {
  f.failure = true;
  f.method = undefined;
  f.invalidUser = undefined;
  f.userStart = -1;
  f.userEnd = -1;
  f.hostStart = -1;
  f.hostEnd = -1;
  f.port = undefined;
  f.count = 0;
}

/**
 * Classifies the sshd message `buf[ms, end)` when it is one of the plain forms; false means "not known here", never
 * "not an attempt": the caller must then take the string path.
 */
export function classifySshdBytes(buf: Uint8Array, ms: number, end: number, f: SshdByteFacts): boolean {
  reset(f);
  switch (buf[ms]) {
    case 70: // Failed <method> for [invalid user ]<user> from <host> port <n> ssh2
      return failed(buf, ms, end, f);
    case 73: {
      // Invalid user <user> from <host> port <n>[ [preauth]]
      if (!at(buf, ms, end, INVALID)) return false;
      const us = ms + INVALID.length;
      const ue = userToken(buf, us, end, f);
      if (ue === us || !at(buf, ue, end, FROM)) return false;
      const i = hostPort(buf, ue + FROM.length, end, f);
      if (i < 0 || !(i === end || (i + PREAUTH.length === end && at(buf, i, end, PREAUTH)))) return false;
      f.kind = ATTEMPT;
      f.reason = 'invalid-user';
      f.invalidUser = true;
      f.userStart = us;
      f.userEnd = ue;
      return true;
    }
    case 112:
      return pam(buf, ms, end, f);
    case 67: // Connection closed by [authenticating|invalid user <user> ]<host> port <n>[ [preauth]]
      return at(buf, ms, end, CLOSED_BY) && closed(buf, ms + CLOSED_BY.length, end, f);
    case 68: // Disconnected from ...: the same
      return at(buf, ms, end, DISCONNECTED_FROM) && closed(buf, ms + DISCONNECTED_FROM.length, end, f);
    case 82: {
      // Received disconnect from <host> port <n>:<code>: <text>: only names the peer unless code 3 or 14
      if (!at(buf, ms, end, RECEIVED)) return false;
      let i = hostPort(buf, ms + RECEIVED.length, end, f);
      if (i < 0 || buf[i] !== 58) return false;
      const port = f.port;
      const codeStart = i + 1;
      i = digits(buf, codeStart, end, f);
      f.port = port;
      if (i < 0 || buf[i] !== 58 || buf[i + 1] !== 32) return false;
      const c0 = buf[codeStart];
      // Codes 3 and 14 may be attempts (the text decides): the regexes handle those.
      if (
        (i - codeStart === 1 && c0 === 51) ||
        (i - codeStart === 2 && c0 === 49 && buf[codeStart + 1] === 52)
      )
        return false;
      if (!printable(buf, i + 2, end)) return false;
      f.kind = PEER;
      return true;
    }
    case 85: {
      // Unable to negotiate with <host> port <n>: no matching ...
      if (!at(buf, ms, end, NEGOTIATE)) return false;
      const i = hostPort(buf, ms + NEGOTIATE.length, end, f);
      if (i < 0 || !at(buf, i, end, NO_MATCHING) || !printable(buf, i + NO_MATCHING.length, end))
        return false;
      f.kind = ATTEMPT;
      f.reason = 'negotiation-failed';
      return true;
    }
    case 65: {
      // Accepted <method> for <user> from <host> port <n>[ ...]
      if (!at(buf, ms, end, ACCEPTED)) return false;
      const mStart = ms + ACCEPTED.length;
      const mEnd = token(buf, mStart, end);
      if (mEnd === mStart || !at(buf, mEnd, end, FOR)) return false;
      const method = methodOf(buf, mStart, mEnd);
      if (method === undefined) return false;
      const us = mEnd + FOR.length;
      const ue = userToken(buf, us, end, f);
      if (ue === us || !at(buf, ue, end, FROM)) return false;
      const i = hostPort(buf, ue + FROM.length, end, f);
      if (i < 0 || !(i === end || (buf[i] === 32 && printable(buf, i, end)))) return false;
      f.kind = ATTEMPT;
      f.failure = false;
      f.reason = 'accepted';
      f.method = method;
      f.userStart = us;
      f.userEnd = ue;
      return true;
    }
    case 109:
      return repeated(buf, ms, end, f);
    default:
      return false;
  }
}

function failed(buf: Uint8Array, ms: number, end: number, f: SshdByteFacts): boolean {
  if (!at(buf, ms, end, FAILED)) return false;
  const mStart = ms + FAILED.length;
  const mEnd = token(buf, mStart, end);
  if (mEnd === mStart || !at(buf, mEnd, end, FOR)) return false;
  const method = methodOf(buf, mStart, mEnd);
  if (method === undefined) return false;
  let us = mEnd + FOR.length;
  const invalid = at(buf, us, end, INVALID_USER);
  if (invalid) us += INVALID_USER.length;
  const ue = userToken(buf, us, end, f);
  if (ue === us || !at(buf, ue, end, FROM)) return false;
  let i = hostPort(buf, ue + FROM.length, end, f);
  // ` ssh2` (or ` ssh`, any digits) and the end of the message.
  if (i < 0 || !at(buf, i, end, SSH)) return false;
  i += SSH.length;
  while (i < end && (buf[i] as number) >= 48 && (buf[i] as number) <= 57) i++;
  if (i !== end) return false;
  f.kind = ATTEMPT;
  f.reason = 'failed';
  f.method = method;
  f.invalidUser = invalid;
  f.userStart = us;
  f.userEnd = ue;
  return true;
}

/** After `Connection closed by ` or `Disconnected from `. */
function closed(buf: Uint8Array, from: number, end: number, f: SshdByteFacts): boolean {
  let i = from;
  let us = -1;
  let ue = -1;
  if (at(buf, i, end, AUTHENTICATING_USER) || at(buf, i, end, INVALID_USER)) {
    us = i + (buf[i] === 97 ? AUTHENTICATING_USER.length : INVALID_USER.length);
    ue = userToken(buf, us, end, f);
    if (ue === us || buf[ue] !== 32) return false;
    i = ue + 1;
  }
  i = hostPort(buf, i, end, f);
  if (i < 0) return false;
  if (i === end) {
    f.kind = PEER;
    return true;
  }
  if (i + PREAUTH.length !== end || !at(buf, i, end, PREAUTH)) return false;
  f.kind = ATTEMPT;
  f.reason = us < 0 ? 'preauth-close' : 'preauth-close-user';
  f.userStart = us;
  f.userEnd = ue;
  return true;
}

/** `pam_unix(sshd:auth): authentication failure; ... rhost=<host>[  user=<user>]`, and sshd's session notes. */
function pam(buf: Uint8Array, ms: number, end: number, f: SshdByteFacts): boolean {
  if (at(buf, ms, end, PAM_SESSION)) {
    if (!printable(buf, ms + PAM_SESSION.length, end)) return false;
    f.kind = NOTHING;
    return true;
  }
  if (!at(buf, ms, end, PAM_AUTH)) return false;
  // The first ` rhost=` must be the real one (followed by ` user=` or the end): ruser is free text. Linux-PAM's
  // usual fields before it are matched whole, which is cheaper than looking at each byte.
  let i = ms + PAM_AUTH.length;
  if (at(buf, i, end, PAM_FIELDS)) i += PAM_FIELDS.length - RHOST.length;
  const last = end - RHOST.length;
  for (;;) {
    if (i > last) return false;
    const c = buf[i] as number;
    if (c < 32 || c > 126) return false;
    if (c === 32 && at(buf, i, end, RHOST)) break;
    i++;
  }
  const hs = i + RHOST.length;
  const he = hostToken(buf, hs, end, f);
  if (he === hs) return false;
  f.hostStart = hs;
  f.hostEnd = he;
  if (he < end) {
    if (buf[he] !== 32) return false;
    i = he;
    while (i < end && buf[i] === 32) i++;
    if (!at(buf, i, end, USER_EQ)) return false;
    const us = i + USER_EQ.length;
    const ue = userToken(buf, us, end, f);
    if (ue === us || ue !== end) return false;
    f.userStart = us;
    f.userEnd = ue;
  }
  f.kind = ATTEMPT;
  f.reason = 'pam-failure';
  return true;
}

/** `message repeated N times: [ <message>]` around one of the other forms. */
function repeated(buf: Uint8Array, ms: number, end: number, f: SshdByteFacts): boolean {
  if (!at(buf, ms, end, REPEATED)) return false;
  const i = digits(buf, ms + REPEATED.length, end, f);
  if (i < 0 || !at(buf, i, end, TIMES) || buf[end - 1] !== 93) return false;
  const n = f.port as number;
  let inner = i + TIMES.length;
  if (buf[inner] === 32) inner++;
  // Only sshd's own forms count inside (a PAM line there classifies as nothing), and no nesting.
  const c = buf[inner];
  if (c === 112 || c === 109 || !classifySshdBytes(buf, inner, end - 1, f)) return false;
  if (f.kind === ATTEMPT) f.count = n;
  return true;
}
