import { addrText, type PacketView } from '../../sources/pcap/decode.js';
import { type DnsMessage, parseDns } from '../../sources/pcap/dns.js';
import type { DnsWatch, PoolQuery } from './dns-watch.js';
import type { WireStats } from './wire-stats.js';

/**
 * The wire analyzer's DNS reading: messages to or from port 53 matched against the pool lists, and each pool query
 * entry that is new or changed handed to `changed` (the analyzer reports it in live mode).
 */
export class WireDns {
  constructor(
    readonly watch: DnsWatch,
    private readonly stats: WireStats,
    private readonly changed: (q: PoolQuery) => void,
  ) {}

  /** A UDP payload of port 53 (the JS walk): the question first; answers are read only for pool names. */
  datagram(buf: Buffer, v: PacketView, time: number): void {
    let msg = parseDns(buf, v.payloadOff, v.payloadLen, false);
    if (!msg) return;
    this.stats.dnsMessages++;
    if (!this.watch.isPoolName(msg.name)) return;
    if (msg.response) msg = parseDns(buf, v.payloadOff, v.payloadLen) ?? msg;
    this.observe(msg, v, time);
  }

  /** A message about a pool name, read in full; `v` holds its addresses. */
  observe(msg: DnsMessage, v: PacketView, time: number): void {
    const src = addrText(v.family, v.s0, v.s1, v.s2, v.s3);
    const dst = addrText(v.family, v.d0, v.d1, v.d2, v.d3);
    const q = this.watch.observe(msg, src, dst, time);
    if (q && !q.reported) this.changed(q);
  }
}
