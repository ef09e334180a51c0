import type { PoolIntel } from '../../intel/pools/index.js';
import { clientHelloSni, looksLikeClientHello } from '../../sources/pcap/tls.js';
import { type Flow, RpcState, STATE_DONE, STATE_HTTP, STATE_JSON } from './flow.js';
import { startsMessage } from './half-stream.js';
import { MAX_MISSES, MAX_TLS_HELLO } from './limits.js';
import { cryptoP2p, hasLineStartJson, isHttpRequest, isHttpResponse } from './sniff.js';

/** A ClientHello being collected with nothing held yet. */
const EMPTY = Buffer.alloc(0);

/**
 * Decides what an unknown flow is from its first payload bytes; the caller then hands the same bytes to the reader
 * of that kind. Classification only, so the readers are not compiled into it a second time.
 */
export function sniffFlow(
  flow: Flow,
  dir: number,
  buf: Buffer,
  off: number,
  len: number,
  recognised: (flow: Flow) => void,
): void {
  if (startsMessage(buf, off, len) || hasLineStartJson(buf, off, len)) {
    flow.state = STATE_JSON;
    flow.rpc = new RpcState();
  } else if (isHttpRequest(buf, off, len) || isHttpResponse(buf, off, len)) {
    flow.state = STATE_HTTP;
    flow.rpc = new RpcState();
    flow.rpc.http = true;
  } else if (looksLikeClientHello(buf, off, len)) {
    if (flow.clientDir < 0) flow.clientDir = dir;
    flow.tls = EMPTY;
  } else {
    const p2p = cryptoP2p(buf, off, len);
    if (p2p) {
      flow.p2p = p2p;
      flow.state = STATE_DONE;
      recognised(flow);
    } else if (++flow.misses >= MAX_MISSES) flow.state = STATE_DONE;
  }
}

/** Collects a ClientHello over segments until its SNI is read (or the hello is too long to be one). */
export function tlsHello(
  flow: Flow,
  buf: Buffer,
  off: number,
  len: number,
  intel: PoolIntel | null,
  recognised: (flow: Flow) => void,
): void {
  const held = flow.tls as Buffer;
  const all =
    held.length === 0 ? buf.subarray(off, off + len) : Buffer.concat([held, buf.subarray(off, off + len)]);
  const sni = clientHelloSni(all, 0, all.length);
  if (sni === null && all.length < MAX_TLS_HELLO && flow.payloadPackets < 8) {
    flow.tls = Buffer.from(all);
    return;
  }
  flow.tls = null;
  flow.state = STATE_DONE;
  if (sni) {
    flow.sni = sni;
    if (intel?.lookupDomain(sni)) recognised(flow);
  }
}
