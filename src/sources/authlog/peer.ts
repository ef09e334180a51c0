import { ipv4OfMapped, parseIpv4, parseIpv6Hex } from '../../intel/pools/ip-parse.js';

const HOSTNAME_RE = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})$/;

/** A logged peer as an address (`source.ip`, IPv4-mapped IPv6 shown as IPv4) or a host name (`source.domain`). */
export function normalizePeer(raw: string): { ip: string } | { domain: string } | null {
  let s = raw;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (s.startsWith('<') && s.endsWith('>')) s = s.slice(1, -1);
  if (parseIpv4(s) >= 0) return { ip: s };
  const mapped = ipv4OfMapped(s);
  if (mapped >= 0) return { ip: s.slice(7) };
  if (s.includes(':')) return parseIpv6Hex(s) !== null ? { ip: s.toLowerCase() } : null;
  return HOSTNAME_RE.test(s) ? { domain: s.toLowerCase() } : null;
}
