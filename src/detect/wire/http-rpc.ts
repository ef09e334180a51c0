import type { RpcState } from './flow.js';
import { startsMessage } from './half-stream.js';
import type { RpcClassifier } from './rpc-classifier.js';
import { HEAD_AGENT, HEAD_USER, isHttpRequest, isHttpResponse, readHttpHead } from './sniff.js';

/**
 * One segment of a flow read as HTTP (getwork-style mining carries JSON-RPC in request and response bodies): the
 * head's user agent, Basic user and mining headers, and the body's message for the classifier, which `begin` has
 * set to this flow. A segment that starts neither a head nor a JSON message is passed over.
 */
export function readHttpSegment(
  rpc: RpcState,
  dir: number,
  buf: Buffer,
  off: number,
  len: number,
  classifier: RpcClassifier,
): void {
  let body = -1;
  const request = isHttpRequest(buf, off, len);
  if (request || isHttpResponse(buf, off, len)) {
    // Only the first user agent and login are kept: once known, their headers need not be read.
    const want =
      (request && rpc.httpAgent === undefined ? HEAD_AGENT : 0) | (rpc.login === undefined ? HEAD_USER : 0);
    const head = readHttpHead(buf, off, len, want);
    if (request) {
      if (head.userAgent) rpc.httpAgent ??= head.userAgent;
      if (dir === 0) rpc.clientVotesA++;
      else rpc.clientVotesB++;
    }
    if (head.user) rpc.login ??= head.user;
    if (head.miningHeader) rpc.methods.set(head.miningHeader, (rpc.methods.get(head.miningHeader) ?? 0) + 1);
    body = head.bodyStart;
  } else if (startsMessage(buf, off, len)) body = off;
  if (body >= 0 && body < off + len && startsMessage(buf, body, off + len - body)) {
    classifier.onMessage(buf, body, off + len);
  }
}
