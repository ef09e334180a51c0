import type { EventFields, TelemetryEvent } from '../../model/event.js';
import type { AuthFacts } from './classified.js';
import type { PeerEntry } from './peer-names.js';
import type { LinePrefix } from './prefix.js';

/** Longest `log.message` an event or record carries; longer lines are cut. */
export const MAX_MESSAGE = 2048;

export const capMessage = (line: string): string =>
  line.length > MAX_MESSAGE ? line.slice(0, MAX_MESSAGE) : line;

/**
 * The `auth` event of one attempt: the line's facts, its envelope, its normalized peer and resolved time. `user` is
 * the account name as the parser holds it (one string per name), `hostId` and `source` the parser's options.
 */
export function authEvent(
  prefix: LinePrefix,
  line: string,
  f: AuthFacts,
  peer: PeerEntry,
  time: number,
  user: string | undefined,
  hostId: string | undefined,
  source: string | undefined,
): TelemetryEvent {
  // Every event gets the same keys in the same order (absent ones undefined): one object shape means the
  // detectors' field reads stay monomorphic, which is most of their speed.
  const fields: Record<string, EventFields[string]> = {
    'auth.outcome': f.outcome,
    'auth.reason': f.reason,
    'auth.method': f.method,
    'auth.user': user,
    'auth.invalidUser': f.invalidUser,
    'auth.count': f.count !== undefined && f.count > 1 ? f.count : undefined,
    'source.ip': peer.ip,
    'source.domain': peer.domain,
    'source.port': f.port,
    'log.program': prefix.program,
    'log.pid': prefix.pid,
    'log.hostname': prefix.hostname,
    'log.message': capMessage(line),
  };
  return {
    kind: 'auth',
    time,
    hostId: prefix.hostname ?? hostId ?? 'unknown',
    source: source ?? 'authlog',
    fields,
  };
}
