/** IPv4 dotted quad to an unsigned 32-bit number, or -1. Hand-rolled: it runs once per lookup on the hot path. */
export function parseIpv4(s: string, from = 0, to = s.length): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || parts === 3) return -1;
      value = value * 256 + part;
      parts++;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 3) return -1;
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else return -1;
  }
  if (digits === 0 || parts !== 3) return -1;
  return value * 256 + part;
}

/**
 * IPv6 text to 32 lowercase hex digits, or null. An IPv4-mapped address (`::ffff:a.b.c.d`) comes back as null here:
 * callers try `ipv4OfMapped` first so such addresses match IPv4 entries.
 */
export function parseIpv6Hex(input: string): string | null {
  let s = input;
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  if (s.length < 2 || s.length > 45) return null;
  const words: number[] = [];
  let tailV4 = -1;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) > 0) {
    tailV4 = parseIpv4(s, lastColon + 1);
    if (tailV4 < 0) return null;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return null;
  const head = dbl >= 0 ? s.slice(0, dbl) : s;
  const tail = dbl >= 0 ? s.slice(dbl + 2) : '';
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const w of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return null;
      out.push(Number.parseInt(w, 16));
    }
    return out;
  };
  const h = parse(head);
  const t = parse(tail);
  if (!h || !t) return null;
  if (dbl >= 0) {
    if (h.length + t.length > 7) return null;
    words.push(...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t);
  } else {
    if (h.length !== 8) return null;
    words.push(...h);
  }
  if (tailV4 >= 0) {
    words[6] = Math.floor(tailV4 / 65536);
    words[7] = tailV4 % 65536;
  }
  return words.map((w) => w.toString(16).padStart(4, '0')).join('');
}

/** The IPv4 inside an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`), or -1. */
export function ipv4OfMapped(s: string): number {
  if (s.length < 14 || s.charCodeAt(0) !== 58) return -1;
  const lower = s.slice(0, 7).toLowerCase();
  if (lower !== '::ffff:') return -1;
  return parseIpv4(s, 7);
}

/** Keeps the first `bits` bits of a 32-digit hex IPv6 address and zeroes the rest. */
export function maskIpv6Hex(hex: string, bits: number): string {
  const full = bits >> 2;
  const rem = bits & 3;
  let out = hex.slice(0, full);
  if (rem > 0) {
    const nib = Number.parseInt(hex.charAt(full), 16) & (0xf << (4 - rem)) & 0xf;
    out += nib.toString(16);
  }
  return out.padEnd(32, '0');
}

/** Keeps the first `bits` bits of an IPv4 address. */
export function maskIpv4(ip: number, bits: number): number {
  if (bits === 0) return 0;
  return bits === 32 ? ip : Math.floor(ip / 2 ** (32 - bits)) * 2 ** (32 - bits);
}
