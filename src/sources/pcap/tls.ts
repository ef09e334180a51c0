import { u16 } from './decode.js';

/** True when buf[off, off + len) starts like a TLS handshake record carrying a ClientHello. */
export function looksLikeClientHello(buf: Buffer, off: number, len: number): boolean {
  return len >= 6 && buf[off] === 0x16 && buf[off + 1] === 0x03 && buf[off + 5] === 0x01;
}

/**
 * The server_name of a TLS ClientHello, from the start of the client's byte stream. Returns a name, '' when the hello
 * is complete and has none, or null when more bytes are needed (the hello spans segments) or it is malformed.
 * Reads only within the given bytes: every length is checked before use.
 */
export function clientHelloSni(buf: Buffer, off: number, len: number): string | null {
  const end = off + len;
  if (!looksLikeClientHello(buf, off, len) || len < 9) return null;
  // One handshake message may span several records; we read the first record's fragment, which holds the
  // extensions in all real clients unless the hello is larger than 16 KiB.
  const recEnd = Math.min(end, off + 5 + u16(buf, off + 3));
  let p = off + 9;
  p += 2 + 32; // client_version, random
  if (p + 1 > recEnd) return null;
  p += 1 + (buf[p] ?? 0); // session id
  if (p + 2 > recEnd) return null;
  p += 2 + u16(buf, p); // cipher suites
  if (p + 1 > recEnd) return null;
  p += 1 + (buf[p] ?? 0); // compression methods
  if (p + 2 > recEnd) return p === recEnd && recEnd < end ? '' : null;
  const extEnd = p + 2 + u16(buf, p);
  p += 2;
  while (p + 4 <= recEnd && p + 4 <= extEnd) {
    const type = u16(buf, p);
    const elen = u16(buf, p + 2);
    p += 4;
    if (p + elen > recEnd) return null;
    if (type === 0 && elen >= 5) {
      const nameType = buf[p + 2];
      const nlen = u16(buf, p + 3);
      if (nameType !== 0 || p + 5 + nlen > p + elen) return null;
      let name = '';
      for (let i = p + 5; i < p + 5 + nlen; i++) {
        const c = buf[i] ?? 0;
        if (c <= 0x20 || c >= 0x7f) return null;
        name += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c);
      }
      return name;
    }
    p += elen;
  }
  return p >= extEnd ? '' : null;
}
