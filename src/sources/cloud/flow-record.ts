import { parseIpv4 } from '../../intel/pools/ip-parse.js';
import type { TelemetryEvent } from '../../model/event.js';

export const ACTION_NONE = 0;
export const ACTION_ACCEPT = 1;
export const ACTION_REJECT = 2;
export const DIRECTION_NONE = 0;
export const DIRECTION_EGRESS = 1;
export const DIRECTION_INGRESS = 2;

/**
 * One flow log record as numbers, for the flow rules. The VPC flow reader fills one object in place per line and
 * builds the full event only when a rule reports (`event()`), so the millions of records that match nothing cost no
 * allocation. Addresses are keys: an IPv4 address is its 32-bit value as a signed integer (so it stays a small
 * integer in V8 and keys Maps without boxing); any other address a 48-bit hash of its text at or above 2^32
 * (`addressKey`). The text is there on demand.
 *
 * The side fields (`local`, `remote` ...) are filled by the detection engine before the rules see the record.
 */
export interface FlowRecord {
  /** Different for every record filled, even when the object is reused: rules that share work key on it. */
  seq: number;
  source: string;
  hostId: string;
  /** Start of the record's interval, ms (0 when the log has none). */
  time: number;
  /** End of the interval, ms (the start when the log has none). */
  end: number;
  src: number;
  dst: number;
  srcPublic: boolean;
  dstPublic: boolean;
  /** -1 when the log has none. */
  sport: number;
  dport: number;
  tcp: boolean;
  /** 0 when the log has none. */
  packets: number;
  bytes: number;
  replyPackets: number;
  replyBytes: number;
  action: number;
  direction: number;
  /** The log names a provider service at the far end (AWS pkt-*-aws-service). */
  remoteService: boolean;

  local: number;
  remote: number;
  localPort: number;
  remotePort: number;
  remotePublic: boolean;
  /** The record counts traffic from the local side. */
  fromLocal: boolean;
  /** The local side opened the connection (its port is the ephemeral one). */
  localInitiated: boolean;

  srcText(): string;
  dstText(): string;
  /** The record as the model's flow event, for evidence. Only valid while the record is being handled. */
  event(): TelemetryEvent;
}

const TWO_32 = 2 ** 32;
/** Keys for non-IPv4 addresses: 48 bits of hash over 2^32, well inside the exact integers. */
const HASH_SPAN = 2 ** 48;

let seq = 0;
export function nextSeq(): number {
  seq = seq >= Number.MAX_SAFE_INTEGER ? 1 : seq + 1;
  return seq;
}

/** Two FNV-1a lanes over the lowercased text: 48 bits make a collision among millions of IPv6 peers unlikely. */
export function hashKey(s: string, from = 0, to = s.length): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = from; i < to; i++) {
    let c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return TWO_32 + (((a >>> 0) + (b >>> 16) * TWO_32) % HASH_SPAN);
}

/** The address key of an address text (see FlowRecord). */
export function addressKey(ip: string): number {
  const v4 = parseIpv4(ip);
  return v4 >= 0 ? v4 | 0 : hashKey(ip);
}

export function isIpv4Key(k: number): boolean {
  return k < TWO_32;
}

/** Not RFC 1918, CGNAT, loopback, this-network or link-local. */
export function isPublicIpv4(k: number): boolean {
  const a = k >>> 24;
  const b = (k >>> 16) & 255;
  if (a === 10 || a === 127 || a === 0) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 100 && b >= 64 && b <= 127) return false;
  if (a === 169 && b === 254) return false;
  return true;
}

function octet(ip: string, from: number): [number, number] {
  let n = 0;
  let i = from;
  for (; i < ip.length; i++) {
    const d = ip.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  return [n, i + 1];
}

/**
 * Whether an address is on the internet: not RFC 1918, CGNAT, loopback, link-local or ULA. Written without a regex
 * because it runs on every flow record.
 */
export function isPublicIp(ip: string): boolean {
  if (ip.includes(':')) {
    const l = ip.toLowerCase();
    if (l.startsWith('::ffff:')) return isPublicIp(l.slice(7));
    return !(l === '::1' || l === '::' || /^f[cd]/.test(l) || /^fe[89ab]/.test(l));
  }
  const [a, i] = octet(ip, 0);
  const [b] = octet(ip, i);
  if (a === 10 || a === 127 || a === 0) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 100 && b >= 64 && b <= 127) return false;
  if (a === 169 && b === 254) return false;
  return true;
}

/**
 * Fills the side fields. Local side: as the log's direction says; else the private end when one end is private;
 * else the source. The initiator is the end with the higher (ephemeral) port, as flow logs do not say who sent the
 * SYN.
 */
export function fillSides(r: FlowRecord): void {
  let fromLocal: boolean;
  if (r.direction === DIRECTION_EGRESS) fromLocal = true;
  else if (r.direction === DIRECTION_INGRESS) fromLocal = false;
  else fromLocal = !(r.srcPublic && !r.dstPublic);
  const srcInitiated = r.sport >= 0 && r.dport >= 0 ? r.sport > r.dport : true;
  r.fromLocal = fromLocal;
  if (fromLocal) {
    r.local = r.src;
    r.localPort = r.sport;
    r.remote = r.dst;
    r.remotePort = r.dport;
    r.remotePublic = r.dstPublic;
    r.localInitiated = srcInitiated;
  } else {
    r.local = r.dst;
    r.localPort = r.dport;
    r.remote = r.src;
    r.remotePort = r.sport;
    r.remotePublic = r.srcPublic;
    r.localInitiated = !srcInitiated;
  }
}

export function localText(r: FlowRecord): string {
  return r.fromLocal ? r.srcText() : r.dstText();
}

export function remoteText(r: FlowRecord): string {
  return r.fromLocal ? r.dstText() : r.srcText();
}

function num(e: TelemetryEvent, k: string): number | undefined {
  const v = e.fields[k];
  return typeof v === 'number' ? v : undefined;
}

/** A flow event from any reader (GCP, Azure, tests) as a record; null when it has no addresses. */
export function recordOfEvent(e: TelemetryEvent): FlowRecord | null {
  const src = e.fields['source.ip'];
  const dst = e.fields['destination.ip'];
  if (typeof src !== 'string' || typeof dst !== 'string') return null;
  const f = e.fields;
  const dir = f['flow.direction'];
  const action = f['flow.action'];
  const endField = f['flow.end'];
  const r: FlowRecord = {
    seq: nextSeq(),
    source: e.source,
    hostId: e.hostId,
    time: e.time,
    end: typeof endField === 'number' && Number.isFinite(endField) ? endField : e.time,
    src: addressKey(src),
    dst: addressKey(dst),
    srcPublic: isPublicIp(src),
    dstPublic: isPublicIp(dst),
    sport: num(e, 'source.port') ?? -1,
    dport: num(e, 'destination.port') ?? -1,
    tcp: f['network.transport'] === 'tcp',
    packets: num(e, 'flow.packets') ?? 0,
    bytes: num(e, 'flow.bytes') ?? 0,
    replyPackets: num(e, 'flow.replyPackets') ?? 0,
    replyBytes: num(e, 'flow.replyBytes') ?? 0,
    action: action === 'accept' ? ACTION_ACCEPT : action === 'reject' ? ACTION_REJECT : ACTION_NONE,
    direction: dir === 'egress' ? DIRECTION_EGRESS : dir === 'ingress' ? DIRECTION_INGRESS : DIRECTION_NONE,
    remoteService: f['flow.remoteService'] !== undefined,
    local: 0,
    remote: 0,
    localPort: -1,
    remotePort: -1,
    remotePublic: false,
    fromLocal: true,
    localInitiated: true,
    srcText: () => src,
    dstText: () => dst,
    event: () => e,
  };
  fillSides(r);
  return r;
}
