import {
  LINK_ETHERNET,
  LINK_IPV4,
  LINK_IPV6,
  LINK_LOOP,
  LINK_NULL,
  LINK_RAW,
  LINK_RAW_BSD_A,
  LINK_RAW_BSD_B,
  LINK_SLL,
  LINK_SLL2,
} from './format.js';

/** Big-endian reads by hand: they run several times per packet and must inline; bounds are checked by callers. */
export function u16(b: Buffer, p: number): number {
  return ((b[p] as number) << 8) | (b[p + 1] as number);
}

/** Signed 32-bit, so address words stay small integers in V8 (no boxed doubles per packet). */
function i32(b: Buffer, p: number): number {
  return (
    ((b[p] as number) << 24) |
    ((b[p + 1] as number) << 16) |
    ((b[p + 2] as number) << 8) |
    (b[p + 3] as number)
  );
}

export const DECODE_L4 = 0;
/** IP, but no TCP/UDP ports to read (other protocol, or a later fragment). */
export const DECODE_IP_ONLY = 1;
export const DECODE_NOT_IP = 2;
/** The captured bytes end inside a header (snaplen too short) or a length field is impossible. */
export const DECODE_SHORT = 3;

export const PROTO_TCP = 6;
export const PROTO_UDP = 17;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;

/**
 * One decoded packet. A single instance is reused for every packet, so decoding allocates nothing; addresses are
 * kept as 32-bit words (IPv4 in s0/d0, the rest 0) so flow lookup compares numbers, not strings.
 */
export class PacketView {
  family = 0;
  proto = 0;
  s0 = 0;
  s1 = 0;
  s2 = 0;
  s3 = 0;
  d0 = 0;
  d1 = 0;
  d2 = 0;
  d3 = 0;
  sport = 0;
  dport = 0;
  tcpFlags = 0;
  seq = 0;
  payloadOff = 0;
  payloadLen = 0;
  /** A fragment of a larger IP datagram (L4 is only read from the first). */
  fragment = false;
}

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;

function isVlan(t: number): boolean {
  return t === 0x8100 || t === 0x88a8 || t === 0x9100;
}

/** Decodes link, IP and TCP/UDP headers of buf[off, off + caplen) into `v`; returns a DECODE_* code. */
export function decodePacket(
  buf: Buffer,
  off: number,
  caplen: number,
  linkType: number,
  v: PacketView,
): number {
  const end = off + caplen;
  let p = off;
  let ethType = 0;
  switch (linkType) {
    case LINK_ETHERNET: {
      if (caplen < 14) return DECODE_SHORT;
      ethType = u16(buf, p + 12);
      p += 14;
      for (let tags = 0; isVlan(ethType) && tags < 4; tags++) {
        if (end - p < 4) return DECODE_SHORT;
        ethType = u16(buf, p + 2);
        p += 4;
      }
      break;
    }
    case LINK_SLL:
      if (caplen < 16) return DECODE_SHORT;
      ethType = u16(buf, p + 14);
      p += 16;
      break;
    case LINK_SLL2:
      if (caplen < 20) return DECODE_SHORT;
      ethType = u16(buf, p);
      p += 20;
      break;
    case LINK_NULL:
    case LINK_LOOP: {
      if (caplen < 4) return DECODE_SHORT;
      // DLT_NULL is in the writer's byte order; DLT_LOOP always big-endian. Both use the BSD AF_ values.
      let af = i32(buf, p) >>> 0;
      if (linkType === LINK_NULL && af > 0xffff) af = buf.readUInt32LE(p);
      ethType = af === 2 ? ETH_IPV4 : af === 24 || af === 28 || af === 30 || af === 10 ? ETH_IPV6 : 0;
      p += 4;
      break;
    }
    case LINK_RAW:
    case LINK_RAW_BSD_A:
    case LINK_RAW_BSD_B:
    case LINK_IPV4:
    case LINK_IPV6: {
      if (caplen < 1) return DECODE_SHORT;
      const ver = (buf[p] ?? 0) >> 4;
      ethType = ver === 4 ? ETH_IPV4 : ver === 6 ? ETH_IPV6 : 0;
      break;
    }
    default:
      return DECODE_NOT_IP;
  }
  if (ethType === ETH_IPV4) return decodeIpv4(buf, p, end, v);
  if (ethType === ETH_IPV6) return decodeIpv6(buf, p, end, v);
  return DECODE_NOT_IP;
}

function decodeIpv4(buf: Buffer, p: number, end: number, v: PacketView): number {
  if (end - p < 20) return DECODE_SHORT;
  const b0 = buf[p] ?? 0;
  const ihl = (b0 & 0x0f) * 4;
  const total = u16(buf, p + 2);
  if (b0 >> 4 !== 4 || ihl < 20 || total < ihl || end - p < ihl) return DECODE_SHORT;
  v.family = 4;
  v.proto = buf[p + 9] ?? 0;
  v.s0 = i32(buf, p + 12);
  v.d0 = i32(buf, p + 16);
  v.s1 = v.s2 = v.s3 = v.d1 = v.d2 = v.d3 = 0;
  const frag = u16(buf, p + 6);
  v.fragment = (frag & 0x3fff) !== 0;
  // Ethernet pads short frames: the IP total length, not the capture, says where the datagram ends.
  const ipEnd = Math.min(end, p + total);
  if ((frag & 0x1fff) !== 0) return DECODE_IP_ONLY;
  return decodeL4(buf, p + ihl, ipEnd, v);
}

function decodeIpv6(buf: Buffer, p: number, end: number, v: PacketView): number {
  if (end - p < 40) return DECODE_SHORT;
  if ((buf[p] ?? 0) >> 4 !== 6) return DECODE_SHORT;
  v.family = 6;
  const plen = u16(buf, p + 4);
  let next = buf[p + 6] ?? 0;
  v.s0 = i32(buf, p + 8);
  v.s1 = i32(buf, p + 12);
  v.s2 = i32(buf, p + 16);
  v.s3 = i32(buf, p + 20);
  v.d0 = i32(buf, p + 24);
  v.d1 = i32(buf, p + 28);
  v.d2 = i32(buf, p + 32);
  v.d3 = i32(buf, p + 36);
  v.fragment = false;
  // A payload length of 0 means a jumbogram; use the capture then.
  const ipEnd = plen === 0 ? end : Math.min(end, p + 40 + plen);
  let q = p + 40;
  for (let hops = 0; hops < 8; hops++) {
    if (next === 0 || next === 43 || next === 60 || next === 51) {
      if (ipEnd - q < 8) return DECODE_SHORT;
      const hl = next === 51 ? ((buf[q + 1] ?? 0) + 2) * 4 : ((buf[q + 1] ?? 0) + 1) * 8;
      next = buf[q] ?? 0;
      q += hl;
    } else if (next === 44) {
      if (ipEnd - q < 8) return DECODE_SHORT;
      v.fragment = true;
      const offset = u16(buf, q + 2) >> 3;
      next = buf[q] ?? 0;
      q += 8;
      if (offset !== 0) {
        v.proto = next;
        return DECODE_IP_ONLY;
      }
    } else break;
  }
  v.proto = next;
  if (q > ipEnd) return DECODE_SHORT;
  return decodeL4(buf, q, ipEnd, v);
}

function decodeL4(buf: Buffer, q: number, ipEnd: number, v: PacketView): number {
  if (v.proto === PROTO_TCP) {
    if (ipEnd - q < 20) return DECODE_SHORT;
    v.sport = u16(buf, q);
    v.dport = u16(buf, q + 2);
    v.seq = i32(buf, q + 4);
    const doff = ((buf[q + 12] ?? 0) >> 4) * 4;
    v.tcpFlags = buf[q + 13] ?? 0;
    if (doff < 20 || ipEnd - q < doff) return DECODE_SHORT;
    v.payloadOff = q + doff;
    v.payloadLen = ipEnd - q - doff;
    return DECODE_L4;
  }
  if (v.proto === PROTO_UDP) {
    if (ipEnd - q < 8) return DECODE_SHORT;
    v.sport = u16(buf, q);
    v.dport = u16(buf, q + 2);
    v.tcpFlags = 0;
    v.seq = 0;
    const ulen = u16(buf, q + 4);
    v.payloadOff = q + 8;
    v.payloadLen = ulen >= 8 ? Math.min(ulen - 8, ipEnd - q - 8) : ipEnd - q - 8;
    return DECODE_L4;
  }
  v.sport = v.dport = 0;
  v.payloadOff = q;
  v.payloadLen = ipEnd - q;
  return DECODE_IP_ONLY;
}

/** Slots of the IPv4 text cache. */
const IPV4_TEXT_SLOTS = 4096;
/** "0." to "255.": the octets before the last one, with their dot. */
const OCTET_DOT = Array.from({ length: 256 }, (_, i) => `${i}.`);
const OCTET = Array.from({ length: 256 }, (_, i) => `${i}`);
const ipv4Words = new Int32Array(IPV4_TEXT_SLOTS);
const ipv4TextSlots: Array<string | undefined> = new Array(IPV4_TEXT_SLOTS).fill(undefined);

/**
 * IPv4 texts already built, in a small direct-mapped table by address word: a report names the same clients and
 * pools again and again, and a table that never grows costs no rehashing and no fresh memory (a Map of every address
 * of a large capture grew to tens of thousands of entries). Texts are joined flat: findings keep them.
 */
function ipv4Text(w: number): string {
  const i = (w ^ (w >>> 12) ^ (w >>> 24)) & (IPV4_TEXT_SLOTS - 1);
  const cached = ipv4TextSlots[i];
  if (cached !== undefined && ipv4Words[i] === (w | 0)) return cached;
  const t = [
    OCTET_DOT[w >>> 24] as string,
    OCTET_DOT[(w >>> 16) & 255] as string,
    OCTET_DOT[(w >>> 8) & 255] as string,
    OCTET[w & 255] as string,
  ].join('');
  ipv4Words[i] = w;
  ipv4TextSlots[i] = t;
  return t;
}

/** Text form of the source or destination address of `v`. Only called when a flow is reported, never per packet. */
export function addrText(family: number, w0: number, w1: number, w2: number, w3: number): string {
  if (family === 4) return ipv4Text(w0);
  const groups = [w0, w1, w2, w3].flatMap((w) => [(w >>> 16).toString(16), (w & 0xffff).toString(16)]);
  // Compress the longest run of zero groups, as RFC 5952 asks.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
