import { domainToASCII } from 'node:url';

/** Lower case, no trailing dot, at least two labels of letters, digits, `-` or `_`; at most 253 bytes. */
const DOMAIN_RE = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const ALL_DIGITS_RE = /^[0-9]+$/;

/**
 * A list entry as a domain to match by suffix, or null when it is not one. Single labels are refused: an entry such
 * as `com` or `localhost` would match far more than any list author meant.
 */
export function normalizeListDomain(raw: string): string | null {
  let s = raw.trim().toLowerCase();
  // `host:port` appears in lists written from miner configs; the port does not narrow a domain indicator.
  const colon = s.indexOf(':');
  if (colon > 0 && /^:[0-9]{1,5}$/.test(s.slice(colon))) s = s.slice(0, colon);
  // Internationalized names are matched in their DNS (punycode) form, which is what resolvers and SNI carry.
  if (/[^\u0020-\u007e]/.test(s)) {
    s = domainToASCII(s);
    if (s === '') return null;
  }
  if (s.startsWith('*.')) s = s.slice(2);
  else if (s.startsWith('.')) s = s.slice(1);
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s.length === 0 || s.length > 253 || !DOMAIN_RE.test(s)) return null;
  const last = s.slice(s.lastIndexOf('.') + 1);
  if (ALL_DIGITS_RE.test(last)) return null;
  return s;
}
