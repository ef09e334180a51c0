import type { TelemetryEvent } from '../../model/event.js';

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

/** The two ends of a flow record seen from the logged machine: which is ours, which is the far end, who opened it. */
export interface FlowSides {
  local: string;
  localPort: number | undefined;
  remote: string;
  remotePort: number | undefined;
  /** The record counts traffic from the local side (its source is local). */
  fromLocal: boolean;
  /** The local side opened the connection (its port is the ephemeral one). */
  localInitiated: boolean;
}

function numField(e: TelemetryEvent, k: string): number | undefined {
  const v = e.fields[k];
  return typeof v === 'number' ? v : undefined;
}

/**
 * Local side: as the log's direction says; else the private end when one end is private; else the source. The
 * initiator is the end with the higher (ephemeral) port, as flow logs do not say who sent the SYN.
 */
export function flowSides(e: TelemetryEvent): FlowSides | null {
  // Several flow rules ask about the same record in turn: work it out once.
  if (e === lastEvent) return lastSides;
  lastEvent = e;
  lastSides = computeSides(e);
  return lastSides;
}

let lastEvent: TelemetryEvent | null = null;
let lastSides: FlowSides | null = null;

function computeSides(e: TelemetryEvent): FlowSides | null {
  const src = e.fields['source.ip'];
  const dst = e.fields['destination.ip'];
  if (typeof src !== 'string' || typeof dst !== 'string') return null;
  const sport = numField(e, 'source.port');
  const dport = numField(e, 'destination.port');
  const dir = e.fields['flow.direction'];
  let fromLocal: boolean;
  if (dir === 'egress') fromLocal = true;
  else if (dir === 'ingress') fromLocal = false;
  else fromLocal = !(isPublicIp(src) && !isPublicIp(dst));
  const srcInitiated = sport !== undefined && dport !== undefined ? sport > dport : true;
  return fromLocal
    ? {
        local: src,
        localPort: sport,
        remote: dst,
        remotePort: dport,
        fromLocal,
        localInitiated: srcInitiated,
      }
    : {
        local: dst,
        localPort: dport,
        remote: src,
        remotePort: sport,
        fromLocal,
        localInitiated: !srcInitiated,
      };
}

/** The port of the service end: the remote port when we opened the connection, else ours. */
export function servicePort(s: FlowSides): number | undefined {
  return s.localInitiated ? s.remotePort : s.localPort;
}
