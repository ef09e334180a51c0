import { z } from 'zod';
import { EVENT_KINDS, type EventKind } from './event-kinds.js';
import { FIELDS, type FieldType } from './fields.js';

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

const VALUE_SCHEMA: Record<FieldType, z.ZodType> = {
  string: z.string(),
  ip: z.string(),
  time: z.union([z.string(), z.number()]),
  integer: z.number().int(),
  number: z.number(),
  boolean: z.boolean(),
  'string[]': z.array(z.string()),
};

const fieldShape: Record<string, z.ZodType> = {};
for (const f of FIELDS) fieldShape[f.name] = VALUE_SCHEMA[f.type].nullable().optional();

/** Schema for events read from files (hunt, replays): unknown fields are an error so typos surface. */
export const TelemetryEventSchema = z.object({
  kind: z.enum(EVENT_KINDS),
  time: z.number().int().nonnegative(),
  hostId: z.string().min(1),
  source: z.string().min(1),
  fields: z.strictObject(fieldShape),
});
