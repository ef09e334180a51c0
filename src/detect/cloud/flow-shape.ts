import type { TelemetryEvent } from '../../model/event.js';
import type { Hit, RuleMeta } from '../detector.js';
import type { CloudDetector, HostHit } from './engine.js';
import { flowSides, isPublicIp } from './net.js';

const meta: RuleMeta = {
  id: 'cloud.flow.stratum-shape',
  title: 'Long-lived, low-volume, periodic connection shaped like a mining pool session',
  severity: 'medium',
  confidence: 0.5,
  category: 'impact',
  techniques: ['T1496', 'T1571', 'T1573'],
  recommendation:
    'Look at the process holding this connection on the instance (minewarden scan or the agent; ss -tnp); a miner talking stratum over TLS shows only this shape in flow logs. Check the far end with minewarden intel lookup.',
  falsePositives:
    'Other long-lived chatty clients on unusual ports: message brokers, game servers, monitoring agents, VPN keepalives. Known service ports are left out.',
};

/** Web ports are left out (port 443 and 8443 only when the log names a provider service at the far end). */
const WEB_PORTS: ReadonlySet<number> = new Set([80, 8000, 8008, 8080, 8081]);
const TLS_PORTS: ReadonlySet<number> = new Set([443, 8443]);
/**
 * Ports of services whose sessions are also long, small and periodic (SSH, mail, databases, message brokers, push
 * channels, crypto-currency P2P nodes): a pool would not sit there, and their traffic has the same shape.
 */
export const KNOWN_SERVICE_PORTS: ReadonlySet<number> = new Set([
  21, 22, 23, 25, 53, 110, 123, 143, 389, 465, 587, 636, 853, 993, 995, 1194, 1433, 1521, 1883, 2049, 3306,
  3389, 5222, 5223, 5228, 5432, 5671, 5672, 5900, 6379, 8333, 8883, 9092, 9735, 11211, 18080, 18089, 27017,
  30303, 51820,
]);

export interface FlowShapeConfig {
  /** From the first record's start to the last record's end. */
  minLifetimeMs: number;
  /** Distinct intervals with traffic. */
  minIntervals: number;
  /** No silence longer than this between intervals with traffic (pools push work every few seconds to minutes). */
  maxGapMs: number;
  /** Both directions together, over the lifetime. */
  maxMeanBytesPerSec: number;
  /** The busiest single record. */
  maxRecordBytesPerSec: number;
  /** Packets one way over packets the other, either way round. */
  maxPacketRatio: number;
  /** Mean IP bytes per packet coming back from the far end: above bare ACKs (40-52), so data flows. */
  minInboundBytesPerPacket: number;
  maxConnections: number;
}

export const DEFAULT_FLOW_SHAPE: FlowShapeConfig = {
  minLifetimeMs: 60_000,
  minIntervals: 3,
  maxGapMs: 5 * 60_000,
  maxMeanBytesPerSec: 1024,
  maxRecordBytesPerSec: 2048,
  maxPacketRatio: 3,
  minInboundBytesPerPacket: 64,
  maxConnections: 200_000,
};

interface Conn {
  hostId: string;
  local: string;
  localPort: number;
  remote: string;
  remotePort: number;
  first: number;
  lastStart: number;
  lastEnd: number;
  intervals: number;
  maxGap: number;
  pktOut: number;
  pktIn: number;
  bytesOut: number;
  bytesIn: number;
  peakRate: number;
  instance: string | null;
  reported: boolean;
}

/**
 * The stratum shape in flow records (the only handle on stratum over TLS): one TCP connection an instance opened to
 * an internet address on a port that is neither web nor a known service (or on 443/8443 with no provider service
 * named at the far end), that lives for minutes, is active in most intervals without long silences, moves little
 * data in small records, and has packets flowing both ways in similar numbers with data coming back.
 * Works on any aggregation interval (AWS 1 or 10 minutes, GCP 5 seconds and up, Azure 1 minute).
 */
export function flowStratumShape(config: Partial<FlowShapeConfig> = {}): CloudDetector {
  const c = { ...DEFAULT_FLOW_SHAPE, ...config };
  const conns = new Map<string, Conn>();
  let latest = 0;
  let seen = 0;

  const sweep = (): void => {
    for (const [k, x] of conns) if (latest - x.lastEnd > c.maxGapMs) conns.delete(k);
  };

  const verdict = (x: Conn): Hit | null => {
    const life = x.lastEnd - x.first;
    if (life < c.minLifetimeMs || x.intervals < c.minIntervals || x.maxGap > c.maxGapMs) return null;
    if (x.pktIn === 0 || x.pktOut === 0) return null;
    const ratio = x.pktOut / x.pktIn;
    if (ratio > c.maxPacketRatio || ratio < 1 / c.maxPacketRatio) return null;
    const mean = ((x.bytesIn + x.bytesOut) * 1000) / life;
    if (mean > c.maxMeanBytesPerSec || x.peakRate > c.maxRecordBytesPerSec) return null;
    if (x.bytesIn / x.pktIn < c.minInboundBytesPerPacket) return null;
    return {
      entity: { kind: 'connection', ip: x.remote, port: x.remotePort },
      evidence: {
        local: `${x.local}:${x.localPort}`,
        remote: `${x.remote}:${x.remotePort}`,
        instance: x.instance,
        first: new Date(x.first).toISOString(),
        last: new Date(x.lastEnd).toISOString(),
        lifetimeSeconds: Math.round(life / 1000),
        activeIntervals: x.intervals,
        longestGapSeconds: Math.round(x.maxGap / 1000),
        packetsOut: x.pktOut,
        packetsIn: x.pktIn,
        bytesOut: x.bytesOut,
        bytesIn: x.bytesIn,
        meanBytesPerSecond: Math.round(mean),
        peakRecordBytesPerSecond: Math.round(x.peakRate),
      },
    };
  };

  return {
    meta,
    kinds: ['flow'],
    detect(e: TelemetryEvent) {
      if (e.fields['network.transport'] !== 'tcp' || e.fields['flow.action'] === 'reject') return null;
      const s = flowSides(e);
      if (!s?.localInitiated || s.remotePort === undefined || s.localPort === undefined) return null;
      const port = s.remotePort;
      if (WEB_PORTS.has(port) || KNOWN_SERVICE_PORTS.has(port)) return null;
      if (TLS_PORTS.has(port) && e.fields['flow.remoteService'] !== undefined) return null;
      if (!isPublicIp(s.remote)) return null;
      const start = e.time;
      const endField = e.fields['flow.end'];
      const end = typeof endField === 'number' && endField >= start ? endField : start;
      const packets = typeof e.fields['flow.packets'] === 'number' ? e.fields['flow.packets'] : 0;
      const bytes = typeof e.fields['flow.bytes'] === 'number' ? e.fields['flow.bytes'] : 0;
      const replyPackets =
        typeof e.fields['flow.replyPackets'] === 'number' ? e.fields['flow.replyPackets'] : 0;
      const replyBytes = typeof e.fields['flow.replyBytes'] === 'number' ? e.fields['flow.replyBytes'] : 0;
      if (start > latest) latest = start;
      if (++seen % 65_536 === 0) sweep();
      const key = `${e.hostId}\u0000${s.local}\u0000${s.localPort}\u0000${s.remote}\u0000${port}`;
      let x = conns.get(key);
      if (x && start - x.lastEnd > c.maxGapMs) {
        conns.delete(key);
        x = undefined;
      }
      if (!x) {
        if (conns.size >= c.maxConnections) conns.delete(conns.keys().next().value as string);
        const inst = e.fields['cloud.instanceId'] ?? e.fields['cloud.instanceName'];
        x = {
          hostId: e.hostId,
          local: s.local,
          localPort: s.localPort,
          remote: s.remote,
          remotePort: port,
          first: start,
          lastStart: start,
          lastEnd: end,
          intervals: 1,
          maxGap: 0,
          pktOut: 0,
          pktIn: 0,
          bytesOut: 0,
          bytesIn: 0,
          peakRate: 0,
          instance: typeof inst === 'string' ? inst : null,
          reported: false,
        };
        conns.set(key, x);
      } else if (start > x.lastStart) {
        x.maxGap = Math.max(x.maxGap, start - x.lastStart);
        x.intervals++;
        x.lastStart = start;
      }
      if (end > x.lastEnd) x.lastEnd = end;
      if (start < x.first) x.first = start;
      if (s.fromLocal) {
        x.pktOut += packets;
        x.bytesOut += bytes;
        x.pktIn += replyPackets;
        x.bytesIn += replyBytes;
      } else {
        x.pktIn += packets;
        x.bytesIn += bytes;
        x.pktOut += replyPackets;
        x.bytesOut += replyBytes;
      }
      const rate = ((bytes + replyBytes) * 1000) / Math.max(1000, end - start);
      if (rate > x.peakRate) x.peakRate = rate;
      if (x.reported || x.intervals < c.minIntervals) return null;
      const hit = verdict(x);
      if (hit) x.reported = true;
      return hit;
    },
    flush(): HostHit[] {
      const out: HostHit[] = [];
      for (const x of conns.values()) {
        if (!x.reported) continue;
        const hit = verdict(x);
        if (hit) out.push({ ...hit, hostId: x.hostId, time: x.first });
      }
      return out;
    },
  };
}
