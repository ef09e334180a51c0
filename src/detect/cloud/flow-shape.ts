import { ACTION_REJECT, type FlowRecord, localText, remoteText } from '../../sources/cloud/flow-record.js';
import type { Hit, RuleMeta } from '../detector.js';
import type { CloudDetector, HostHit } from './engine.js';
import { onEventRecord } from './net.js';
import { inPorts, portTable } from './port-set.js';

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

const SKIP_TABLE = portTable([...WEB_PORTS, ...KNOWN_SERVICE_PORTS]);
const TLS_TABLE = portTable(TLS_PORTS);

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
  /** Slots of the connection table (a power of two); memory is fixed at 84 bytes a slot. */
  slots: number;
}

export const DEFAULT_FLOW_SHAPE: FlowShapeConfig = {
  minLifetimeMs: 60_000,
  minIntervals: 3,
  maxGapMs: 5 * 60_000,
  maxMeanBytesPerSec: 1024,
  maxRecordBytesPerSec: 2048,
  maxPacketRatio: 3,
  minInboundBytesPerPacket: 64,
  slots: 1 << 17,
};

/** Who a reported connection is, for evidence at the end (the table holds numbers only). */
interface Named {
  hostId: string;
  local: string;
  localPort: number;
  remote: string;
  remotePort: number;
  instance: string | null;
  slot: number;
  hash: number;
  last: Hit;
}

// Per-slot numbers, W of them. The connection's hash is kept apart, in `tags`: most records start a connection
// over, and then the slot's numbers are only written (the stores drain while the next lines are read) while the
// 4-byte tag, from a table small enough to stay in cache, is the only thing read.
const FIRST = 0;
const LAST_START = 1;
const LAST_END = 2;
const INTERVALS = 3;
const MAX_GAP = 4;
const PKT_OUT = 5;
const PKT_IN = 6;
const BYTES_OUT = 7;
const BYTES_IN = 8;
const PEAK = 9;
const W = 10;

/** FNV-1a over the host id. */
function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

const TWO_32 = 2 ** 32;

/** A hash of an address key (IPv4 value, or a 48-bit hash above 2^32) into the running hash. */
function mixKey(h: number, k: number): number {
  const lo = Math.imul(h ^ (k >>> 0), 0x01000193);
  return Math.imul(lo ^ Math.floor(k / TWO_32), 0x01000193);
}

function connHash(host: number, local: number, lport: number, remote: number, rport: number): number {
  let h = mixKey(mixKey(host, local), remote);
  h = Math.imul(h ^ lport, 0x01000193);
  h = Math.imul(h ^ rport, 0x01000193);
  h ^= h >>> 15;
  // A signed 32-bit value stays a small integer in V8; an unsigned one over 2^31 would be boxed on return.
  return h | 0 || 1;
}

/**
 * The stratum shape in flow records (the only handle on stratum over TLS): one TCP connection an instance opened to
 * an internet address on a port that is neither web nor a known service (or on 443/8443 with no provider service
 * named at the far end), that lives for minutes, is active in most intervals without long silences, moves little
 * data in small records, and has packets flowing both ways in similar numbers with data coming back.
 * Works on any aggregation interval (AWS 1 or 10 minutes, GCP 5 seconds and up, Azure 1 minute).
 * Connections live in a fixed direct-mapped table of numbers, so memory is bounded and nothing churns the heap
 * however many flows pass; a connection whose slot is taken by another starts over.
 */
export function flowStratumShape(config: Partial<FlowShapeConfig> = {}): CloudDetector {
  const c = { ...DEFAULT_FLOW_SHAPE, ...config };
  const slots = 2 ** Math.ceil(Math.log2(Math.max(16, c.slots)));
  const mask = slots - 1;
  const v = new Float64Array(slots * W);
  const tags = new Int32Array(slots);
  const reported = new Map<string, Named>();

  const shapeOk = (o: number): boolean => {
    const life = (v[o + LAST_END] as number) - (v[o + FIRST] as number);
    if (life < c.minLifetimeMs || (v[o + INTERVALS] as number) < c.minIntervals) return false;
    if ((v[o + MAX_GAP] as number) > c.maxGapMs) return false;
    const pktIn = v[o + PKT_IN] as number;
    const pktOut = v[o + PKT_OUT] as number;
    if (pktIn === 0 || pktOut === 0) return false;
    const ratio = pktOut / pktIn;
    if (ratio > c.maxPacketRatio || ratio < 1 / c.maxPacketRatio) return false;
    const bytes = (v[o + BYTES_IN] as number) + (v[o + BYTES_OUT] as number);
    if ((bytes * 1000) / life > c.maxMeanBytesPerSec || (v[o + PEAK] as number) > c.maxRecordBytesPerSec)
      return false;
    return (v[o + BYTES_IN] as number) / pktIn >= c.minInboundBytesPerPacket;
  };

  const hitOf = (n: Omit<Named, 'last'>, o: number): Hit => {
    const life = (v[o + LAST_END] as number) - (v[o + FIRST] as number);
    return {
      entity: { kind: 'connection', ip: n.remote, port: n.remotePort },
      evidence: {
        local: `${n.local}:${n.localPort}`,
        remote: `${n.remote}:${n.remotePort}`,
        instance: n.instance,
        first: new Date(v[o + FIRST] as number).toISOString(),
        last: new Date(v[o + LAST_END] as number).toISOString(),
        lifetimeSeconds: Math.round(life / 1000),
        activeIntervals: v[o + INTERVALS],
        longestGapSeconds: Math.round((v[o + MAX_GAP] as number) / 1000),
        packetsOut: v[o + PKT_OUT],
        packetsIn: v[o + PKT_IN],
        bytesOut: v[o + BYTES_OUT],
        bytesIn: v[o + BYTES_IN],
        meanBytesPerSecond: Math.round(
          (((v[o + BYTES_IN] as number) + (v[o + BYTES_OUT] as number)) * 1000) / life,
        ),
        peakRecordBytesPerSecond: Math.round(v[o + PEAK] as number),
      },
    };
  };

  let lastHost = '';
  let lastHostHash = fnv('');
  function flow(r: FlowRecord): Hit | null {
    if (!r.tcp || r.action === ACTION_REJECT) return null;
    if (!r.localInitiated || r.remotePort < 0 || r.localPort < 0) return null;
    const port = r.remotePort;
    if (inPorts(SKIP_TABLE, port)) return null;
    if (inPorts(TLS_TABLE, port) && r.remoteService) return null;
    if (!r.remotePublic) return null;
    const start = r.time;
    const end = Math.max(r.end, start);
    // Without a reply counter (AWS, Azure) the record counts one direction; GCP records count both.
    const packets = r.packets;
    const bytes = r.bytes;
    const replyPackets = r.replyPackets;
    const replyBytes = r.replyBytes;
    if (r.hostId !== lastHost) {
      lastHost = r.hostId;
      lastHostHash = fnv(r.hostId);
    }
    const h = connHash(lastHostHash, r.local, r.localPort, r.remote, port);
    const slot = h & mask;
    const o = slot * W;
    if (tags[slot] !== h || start - (v[o + LAST_END] as number) > c.maxGapMs) {
      // Every field written here (not a fill call: most records start a connection over).
      tags[slot] = h;
      v[o + FIRST] = start;
      v[o + LAST_START] = start;
      v[o + LAST_END] = end;
      v[o + INTERVALS] = 1;
      v[o + MAX_GAP] = 0;
      v[o + PKT_OUT] = 0;
      v[o + PKT_IN] = 0;
      v[o + BYTES_OUT] = 0;
      v[o + BYTES_IN] = 0;
      v[o + PEAK] = 0;
    } else if (start > (v[o + LAST_START] as number)) {
      v[o + MAX_GAP] = Math.max(v[o + MAX_GAP] as number, start - (v[o + LAST_START] as number));
      v[o + INTERVALS] = (v[o + INTERVALS] as number) + 1;
      v[o + LAST_START] = start;
    }
    if (end > (v[o + LAST_END] as number)) v[o + LAST_END] = end;
    if (start < (v[o + FIRST] as number)) v[o + FIRST] = start;
    const out = r.fromLocal ? PKT_OUT : PKT_IN;
    const back = r.fromLocal ? PKT_IN : PKT_OUT;
    v[o + out] = (v[o + out] as number) + packets;
    v[o + back] = (v[o + back] as number) + replyPackets;
    v[o + out + 2] = (v[o + out + 2] as number) + bytes;
    v[o + back + 2] = (v[o + back + 2] as number) + replyBytes;
    const rate = ((bytes + replyBytes) * 1000) / Math.max(1000, end - start);
    if (rate > (v[o + PEAK] as number)) v[o + PEAK] = rate;
    if ((v[o + INTERVALS] as number) < c.minIntervals || !shapeOk(o)) return null;
    const key = `${h}\u0000${r.hostId}\u0000${r.local}\u0000${r.localPort}\u0000${r.remote}\u0000${port}`;
    if (reported.has(key)) return null;
    const f = r.event().fields;
    const inst = f['cloud.instanceId'] ?? f['cloud.instanceName'];
    const named = {
      hostId: r.hostId,
      local: localText(r),
      localPort: r.localPort,
      remote: remoteText(r),
      remotePort: port,
      instance: typeof inst === 'string' ? inst : null,
      slot,
      hash: h,
    };
    const hit = hitOf(named, o);
    if (reported.size < 100_000) reported.set(key, { ...named, last: hit });
    return hit;
  }

  return {
    meta,
    kinds: ['flow'],
    flow,
    detect: onEventRecord(flow),
    flush(): HostHit[] {
      const out: HostHit[] = [];
      for (const n of reported.values()) {
        const o = n.slot * W;
        // Still in its slot and still shaped so: fresh evidence; else what was reported stands.
        const hit = tags[n.slot] === n.hash && shapeOk(o) ? hitOf(n, o) : n.last;
        out.push({ ...hit, hostId: n.hostId, time: Date.parse(String(hit.evidence['first'])) });
      }
      return out;
    },
  };
}
