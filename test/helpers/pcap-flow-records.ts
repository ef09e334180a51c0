import { isPublicIp } from '../../src/detect/cloud/net.js';
import type { TelemetryEvent } from '../../src/model/event.js';
import {
  addrText,
  DECODE_L4,
  decodePacket,
  PacketView,
  PROTO_TCP,
  PROTO_UDP,
} from '../../src/sources/pcap/decode.js';
import { readCaptureFile } from '../../src/sources/pcap/reader.js';

/** Link-layer header bytes by link type: flow logs count IP bytes, captures count frames. */
const LINK_HEADER: Readonly<Record<number, number>> = { 0: 4, 1: 14, 108: 4, 113: 16, 276: 20 };

interface Cell {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  proto: number;
  packets: number;
  bytes: number;
  flags: number;
  first: number;
  last: number;
}

/**
 * Turns a capture into the flow records a cloud flow log would have written for it: one record per direction of
 * each 5-tuple per aggregation interval (AWS and GCP log each direction separately), with packets, IP bytes, ORed
 * TCP flags, the interval's start and end, ACCEPT, and the direction seen from the local end: the private one, or
 * the one that sent first when both are public. Test helper only.
 */
export async function captureToFlowRecords(
  file: string,
  intervalMs: number,
  hostId = 'capture',
): Promise<TelemetryEvent[]> {
  const v = new PacketView();
  const cells = new Map<string, Cell>();
  /** The first sender of each connection, the local end when both ends are public. */
  const opener = new Map<string, string>();
  let t0 = -1;
  await readCaptureFile(file, (buf, off, caplen, origLen, timeMs, linkType) => {
    if (decodePacket(buf, off, caplen, linkType, v) !== DECODE_L4) return;
    if (v.proto !== PROTO_TCP && v.proto !== PROTO_UDP) return;
    if (t0 < 0) t0 = timeMs;
    const src = addrText(v.family, v.s0, v.s1, v.s2, v.s3);
    const dst = addrText(v.family, v.d0, v.d1, v.d2, v.d3);
    const pair = src < dst ? `${src} ${v.sport} ${dst} ${v.dport}` : `${dst} ${v.dport} ${src} ${v.sport}`;
    if (!opener.has(pair)) opener.set(pair, src);
    const window = Math.floor((timeMs - t0) / intervalMs);
    const key = `${window} ${v.proto} ${src} ${v.sport} ${dst} ${v.dport}`;
    let c = cells.get(key);
    if (!c) {
      c = {
        src,
        dst,
        sport: v.sport,
        dport: v.dport,
        proto: v.proto,
        packets: 0,
        bytes: 0,
        flags: 0,
        first: timeMs,
        last: timeMs,
      };
      cells.set(key, c);
    }
    c.packets++;
    c.bytes += Math.max(0, origLen - (LINK_HEADER[linkType] ?? 0));
    if (v.proto === PROTO_TCP) c.flags |= v.tcpFlags & 0x17;
    c.last = timeMs;
  });
  const out: TelemetryEvent[] = [];
  for (const [key, c] of cells) {
    const window = Number(key.slice(0, key.indexOf(' ')));
    const start = t0 + window * intervalMs;
    const srcPrivate = !isPublicIp(c.src);
    const dstPrivate = !isPublicIp(c.dst);
    const pair =
      c.src < c.dst ? `${c.src} ${c.sport} ${c.dst} ${c.dport}` : `${c.dst} ${c.dport} ${c.src} ${c.sport}`;
    const egress = srcPrivate !== dstPrivate ? srcPrivate : opener.get(pair) === c.src;
    out.push({
      kind: 'flow',
      time: start,
      hostId,
      source: 'capture',
      fields: {
        'source.ip': c.src,
        'source.port': c.sport,
        'destination.ip': c.dst,
        'destination.port': c.dport,
        'network.transport': c.proto === PROTO_TCP ? 'tcp' : 'udp',
        'flow.packets': c.packets,
        'flow.bytes': c.bytes,
        'flow.tcpFlags': c.flags,
        'flow.start': start,
        'flow.end': start + intervalMs,
        'flow.action': 'accept',
        'flow.direction': egress ? 'egress' : 'ingress',
      },
    });
  }
  return out.sort((a, b) => a.time - b.time);
}

/** First and last packet time of each TCP/UDP connection, keyed by both ends sorted (`a:p b:q`). */
export async function connectionSpans(file: string): Promise<Map<string, { first: number; last: number }>> {
  const v = new PacketView();
  const spans = new Map<string, { first: number; last: number }>();
  await readCaptureFile(file, (buf, off, caplen, _orig, timeMs, linkType) => {
    if (decodePacket(buf, off, caplen, linkType, v) !== DECODE_L4) return;
    const a = `${addrText(v.family, v.s0, v.s1, v.s2, v.s3)}:${v.sport}`;
    const b = `${addrText(v.family, v.d0, v.d1, v.d2, v.d3)}:${v.dport}`;
    const key = a < b ? `${a} ${b}` : `${b} ${a}`;
    const s = spans.get(key);
    if (s) s.last = timeMs;
    else spans.set(key, { first: timeMs, last: timeMs });
  });
  return spans;
}
