import { EVENT_KINDS, type EventKind } from './event-kinds.js';

export { EVENT_KINDS, type EventKind };

export type FieldValue = string | number | boolean | readonly string[] | null;
export type EventFields = Readonly<Record<string, FieldValue | undefined>>;

/** One normalized record from any source. `time` is epoch milliseconds: detection uses event time only. */
export interface TelemetryEvent {
  readonly kind: EventKind;
  readonly time: number;
  readonly hostId: string;
  /** The source that produced it: procfs, netlink, poll, authlog ... */
  readonly source: string;
  readonly fields: EventFields;
}

/** Sigma logsource of an event kind, for rule routing. */
export const LOGSOURCE_OF_KIND: Readonly<Record<EventKind, { category?: string; service?: string }>> = {
  process: { category: 'process_creation' },
  exec: { category: 'process_creation' },
  exit: {},
  connection: { category: 'network_connection' },
  listener: {},
  dns: { category: 'dns_query' },
  file: { category: 'file_event' },
  auth: { service: 'auth' },
  log: { service: 'syslog' },
  flow: {},
  'cloud-api': { service: 'cloudtrail' },
};
