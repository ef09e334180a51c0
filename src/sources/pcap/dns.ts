import { addrText, u16 } from './decode.js';

/** A DNS message's question and address answers; only what pool matching needs. */
export interface DnsMessage {
  id: number;
  response: boolean;
  rcode: number;
  /** Lowercased query name without the trailing dot ('' for the root). */
  name: string;
  qtype: number;
  /** A and AAAA answers, as text. */
  addresses: string[];
}

const MAX_NAME = 255;
const MAX_JUMPS = 16;

/**
 * Reads a possibly compressed name at `p`. Returns [name, position after the name in the original sequence], or
 * null on a malformed name: pointers must point backwards and are limited in number, so hostile loops end.
 */
export function readName(buf: Buffer, start: number, end: number, p: number): [string, number] | null {
  let out = '';
  let after = -1;
  let jumps = 0;
  for (;;) {
    if (p >= end) return null;
    const len = buf[p] ?? 0;
    if (len === 0) {
      if (after < 0) after = p + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (p + 1 >= end || ++jumps > MAX_JUMPS) return null;
      const target = start + (((len & 0x3f) << 8) | (buf[p + 1] ?? 0));
      if (target >= p) return null;
      if (after < 0) after = p + 2;
      p = target;
      continue;
    }
    if (len & 0xc0 || p + 1 + len > end) return null;
    if (out.length + len + 1 > MAX_NAME) return null;
    const label = readLabel(buf, p + 1, p + 1 + len);
    out = out ? `${out}.${label}` : label;
    p += 1 + len;
  }
  return [out, after];
}

/**
 * Where a name at `p` ends, as readName would say (-1 where it returns null), without building its text: the names of
 * answer records are only stepped over. The length limit counts the text readName would build, escapes included.
 */
export function skipName(buf: Buffer, start: number, end: number, p: number): number {
  let textLen = 0;
  let after = -1;
  let jumps = 0;
  for (;;) {
    if (p >= end) return -1;
    const len = buf[p] ?? 0;
    if (len === 0) return after < 0 ? p + 1 : after;
    if ((len & 0xc0) === 0xc0) {
      if (p + 1 >= end || ++jumps > MAX_JUMPS) return -1;
      const target = start + (((len & 0x3f) << 8) | (buf[p + 1] ?? 0));
      if (target >= p) return -1;
      if (after < 0) after = p + 2;
      p = target;
      continue;
    }
    if (len & 0xc0 || p + 1 + len > end) return -1;
    if (textLen + len + 1 > MAX_NAME) return -1;
    let labelLen = 0;
    for (let i = p + 1; i < p + 1 + len; i++) {
      const c = buf[i] ?? 0;
      labelLen += c > 0x20 && c < 0x7f && c !== 0x2e && c !== 0x5c ? 1 : 4;
    }
    textLen = textLen > 0 ? textLen + 1 + labelLen : labelLen;
    p += 1 + len;
  }
}

/**
 * One label, lowercased. Names are matched against pool lists, so they are kept printable and unambiguous: a byte
 * outside printable ASCII, a dot or a backslash inside a label is written as `\DDD`. Plain labels (nearly all) are
 * sliced in one native call.
 */
function readLabel(buf: Buffer, s: number, e: number): string {
  let upper = false;
  for (let i = s; i < e; i++) {
    const c = buf[i] ?? 0;
    if (c <= 0x20 || c >= 0x7f || c === 0x2e || c === 0x5c) return escapedLabel(buf, s, e);
    if (c >= 65 && c <= 90) upper = true;
  }
  const text = buf.toString('latin1', s, e);
  return upper ? text.toLowerCase() : text;
}

function escapedLabel(buf: Buffer, s: number, e: number): string {
  let label = '';
  for (let i = s; i < e; i++) {
    const c = buf[i] ?? 0;
    if (c > 0x20 && c < 0x7f && c !== 0x2e && c !== 0x5c)
      label += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c);
    else label += `\\${c.toString().padStart(3, '0')}`;
  }
  return label;
}

function ipv6Text(buf: Buffer, p: number): string {
  const w = (i: number) => ((u16(buf, p + i) << 16) | u16(buf, p + i + 2)) >>> 0;
  return addrText(6, w(0), w(4), w(8), w(12));
}

/**
 * Parses a DNS message in buf[off, off + len); null when it is not one. Without `answers` only the question is read
 * (addresses stay empty): callers that match names first read the answers of the few messages that matter.
 */
export function parseDns(buf: Buffer, off: number, len: number, answers = true): DnsMessage | null {
  const end = off + len;
  if (len < 12) return null;
  const flags = u16(buf, off + 2);
  const qd = u16(buf, off + 4);
  const an = u16(buf, off + 6);
  if (qd !== 1 || (flags & 0x7800) !== 0) return null;
  const q = readName(buf, off, end, off + 12);
  if (!q || q[1] + 4 > end) return null;
  const [name, afterName] = q;
  const msg: DnsMessage = {
    id: u16(buf, off),
    response: (flags & 0x8000) !== 0,
    rcode: flags & 0x0f,
    name,
    qtype: u16(buf, afterName),
    addresses: [],
  };
  if (!answers) return msg;
  let p = afterName + 4;
  for (let i = 0; i < an && i < 64; i++) {
    const after = skipName(buf, off, end, p);
    if (after < 0 || after + 10 > end) break;
    p = after;
    const type = u16(buf, p);
    const rdlen = u16(buf, p + 8);
    p += 10;
    if (p + rdlen > end) break;
    if (type === 1 && rdlen === 4) msg.addresses.push(`${buf[p]}.${buf[p + 1]}.${buf[p + 2]}.${buf[p + 3]}`);
    else if (type === 28 && rdlen === 16) msg.addresses.push(ipv6Text(buf, p));
    p += rdlen;
  }
  return msg;
}
