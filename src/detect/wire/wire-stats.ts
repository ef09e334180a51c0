import type { PoolIntel } from '../../intel/pools/index.js';
import type { Finding } from '../../model/finding.js';
import type { HostRef } from '../../model/host.js';
import type { PacketCounters } from '../../sources/pcap/native-walk-sink.js';

export interface WireOptions {
  host: HostRef;
  intel?: PoolIntel | null;
  /** Ports pools commonly listen on; only used to tell client from server when no SYN was seen. */
  minerPorts?: ReadonlySet<number>;
  /** Flow table bound; past it idle and uninteresting flows are dropped first. */
  maxFlows?: number;
  /** A flow with no packet for this long (packet time) is closed out when the table is swept. */
  idleMs?: number;
  /** Called once per flow or DNS name as soon as it is recognised (live mode prints these). */
  onFinding?: (f: Finding) => void;
}

/** The packet counters (PacketCounters), then flow and stream counters. */
export interface WireStats extends PacketCounters {
  flows: number;
  flowsEvicted: number;
  /** JSON-RPC lines longer than the line limit, classified by their start and skipped. */
  cutLines: number;
  /** Holes in a TCP stream we could not fill (lost or heavily reordered segments). */
  streamGaps: number;
}

export function emptyWireStats(): WireStats {
  return {
    packets: 0,
    notIp: 0,
    short: 0,
    fragments: 0,
    tcpPackets: 0,
    udpPackets: 0,
    flows: 0,
    flowsEvicted: 0,
    dnsMessages: 0,
    cutLines: 0,
    streamGaps: 0,
  };
}
