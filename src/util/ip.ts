import type { BindScope } from '../model/inventory.js';

/** Formats 16 IPv6 bytes in RFC 5952 form (longest zero run compressed; IPv4-mapped shown dotted). */
export function formatIpv6(b: Uint8Array): string {
  if (b.length !== 16) throw new RangeError('IPv6 address needs 16 bytes');
  let mapped = true;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) mapped = false;
  if (mapped && b[10] === 0xff && b[11] === 0xff) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function v4Octets(ip: string): number[] | null {
  const m = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/i.exec(ip);
  if (!m) return null;
  const o = m.slice(1, 5).map(Number);
  return o.every((x) => x <= 255) ? o : null;
}

/** How far a bound or remote address reaches: loopback, private (RFC 1918, CGNAT, link-local, ULA), public, or any. */
export function addressScope(ip: string): BindScope {
  const o = v4Octets(ip);
  if (o) {
    const [a = 0, b = 0] = o;
    if (o.every((x) => x === 0)) return 'any';
    if (a === 127) return 'loopback';
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
    if ((a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254)) return 'private';
    return 'public';
  }
  const lower = ip.toLowerCase();
  if (lower === '::') return 'any';
  if (lower === '::1') return 'loopback';
  if (/^f[cd]/.test(lower) || /^fe[89ab]/.test(lower)) return 'private';
  return 'public';
}
