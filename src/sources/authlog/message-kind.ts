import type { Classified } from './classified.js';
import { classifyAudit, classifyDropbear, classifyPam } from './other-messages.js';
import type { LinePrefix } from './prefix.js';
import { classifySshd } from './sshd-messages.js';

/**
 * What kind of auth message a line holds, decided before any connection state is looked at: by program (sshd,
 * dropbear, anyone else), first on the bytes (`mayBeAuth`, for the many lines that are about nothing) and then on
 * the decoded message (`classifyMessage`). The two ask the same questions, so a line `mayBeAuth` rules out is one
 * `classifyMessage` would find nothing in.
 */

const SSHD_PROGRAMS = new Set(['sshd', 'sshd-session', 'sshd-auth']);

/** 1 sshd (any of its program names), 2 dropbear, 0 anyone else or no program; as BytePrefixReader.programKind. */
export const programKindOf = (program: string | undefined): number =>
  program === undefined ? 0 : SSHD_PROGRAMS.has(program) ? 1 : program === 'dropbear' ? 2 : 0;

const PAM_FAILURE = Buffer.from('authentication failure;');

/** Whether `buf[from, to)` holds `pat`: a bounded search (Buffer.indexOf would run on past the line). */
function containsBytes(buf: Buffer, from: number, to: number, pat: Buffer): boolean {
  const n = pat.length;
  const p0 = pat[0] as number;
  for (let i = from; i + n <= to; i++) {
    if (buf[i] !== p0) continue;
    let k = 1;
    while (k < n && buf[i + k] === pat[k]) k++;
    if (k === n) return true;
  }
  return false;
}

/**
 * Whether a message could classify as anything, judged on its bytes with the same rules as `classifyMessage`:
 * audit records (`type=`) from anyone, dropbear's messages, sshd's messages, and PAM lines of any program, which
 * only count when they say `authentication failure;`.
 */
export function mayBeAuth(buf: Buffer, ms: number, end: number, programKind: number): boolean {
  const c0 = buf[ms] as number;
  if (c0 === 116 && buf[ms + 1] === 121 && buf[ms + 2] === 112 && buf[ms + 3] === 101 && buf[ms + 4] === 61)
    return true;
  if (programKind === 2) return true;
  if (c0 === 112 || c0 === 40) return containsBytes(buf, ms, end, PAM_FAILURE);
  return programKind === 1;
}

/**
 * The facts of a decoded message, or null. `programKind` as BytePrefixReader gives it when known, saving a set
 * lookup.
 */
export function classifyMessage(p: LinePrefix, programKind = programKindOf(p.program)): Classified {
  const msg = p.message;
  if (msg.charCodeAt(0) === 116 && msg.startsWith('type=')) return classifyAudit(msg);
  const prog = p.program;
  if (prog === undefined || programKind === 1) {
    const c = classifySshd(msg);
    if (c !== null || prog === undefined) return c;
    return msg.startsWith('pam_') || msg.startsWith('(pam_') ? classifyPam(msg) : null;
  }
  if (programKind === 2) return classifyDropbear(msg);
  const c0 = msg.charCodeAt(0);
  return c0 === 112 || c0 === 40 ? classifyPam(msg) : null;
}
