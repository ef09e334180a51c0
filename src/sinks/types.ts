import type { Finding } from '../model/finding.js';
import type { Incident } from '../model/incident.js';

/** What a sink forwards: a committed finding or incident, as stored. */
export type Alert = { kind: 'finding'; finding: Finding } | { kind: 'incident'; incident: Incident };

/** One destination. `send` resolves when the receiver has the alert (as far as the protocol can tell) and rejects otherwise. */
export interface SinkTransport {
  send(alert: Alert): Promise<void>;
  close(): Promise<void>;
}

export interface SinkStats {
  offered: number;
  delivered: number;
  /** Refused at the door: the queue was full. */
  dropped: number;
  /** Given up on after the last retry. */
  failed: number;
  retries: number;
  depth: number;
}

export function alertTime(a: Alert): string {
  return a.kind === 'finding' ? a.finding.time : a.incident.lastSeen;
}

export function alertSeverity(a: Alert): Finding['severity'] {
  return a.kind === 'finding' ? a.finding.severity : a.incident.severity;
}

export function alertTitle(a: Alert): string {
  return a.kind === 'finding' ? a.finding.title : a.incident.title;
}

export function alertHost(a: Alert): { id: string; name: string } {
  return a.kind === 'finding' ? a.finding.host : a.incident.host;
}

export function alertId(a: Alert): string {
  return a.kind === 'finding' ? a.finding.id : a.incident.id;
}
