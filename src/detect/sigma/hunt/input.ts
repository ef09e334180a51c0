import { z } from 'zod';
import type { EventKind, FieldValue, TelemetryEvent } from '../../../model/event.js';
import { fieldBySigmaName } from '../../../model/fields.js';
import type { MatchInput } from '../match/context.js';

const ScalarOrList = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.union([z.string(), z.number()])),
]);

/** One hunt input line: Sigma taxonomy field names, plus `logsource` and an optional `time`. */
export const HuntEventSchema = z
  .looseObject({
    logsource: z.strictObject({
      product: z.string().optional(),
      category: z.string().optional(),
      service: z.string().optional(),
    }),
    time: z.union([z.number().nonnegative(), z.iso.datetime({ offset: true }), z.iso.date()]).optional(),
  })
  .superRefine((v, ctx) => {
    for (const [k, val] of Object.entries(v))
      if (k !== 'logsource' && k !== 'time' && !ScalarOrList.safeParse(val).success)
        ctx.addIssue({
          code: 'custom',
          path: [k],
          message: 'must be a string, number, boolean, null or a list of them',
        });
  });
export type HuntEvent = z.output<typeof HuntEventSchema>;

/** Event kind for a logsource, so coded paths (entities, findings) see the usual shape. */
export function kindOfLogsource(ls: HuntEvent['logsource']): EventKind {
  const c = ls.category?.toLowerCase();
  if (c === 'process_creation') return 'exec';
  if (c === 'network_connection') return 'connection';
  if (c === 'dns_query' || c === 'dns') return 'dns';
  if (c?.startsWith('file_')) return 'file';
  const s = ls.service?.toLowerCase();
  if (s === 'auth' || s === 'sshd') return 'auth';
  return 'log';
}

function toValue(v: unknown): FieldValue {
  if (Array.isArray(v)) return v.map(String);
  return v as FieldValue;
}

export interface ConvertedEvent {
  readonly input: MatchInput;
  /** Keys the field table does not know: kept for keyword search, reported once each as a warning. */
  readonly unknownFields: readonly string[];
}

/**
 * Maps Sigma taxonomy names to the model's fields through the field table, the one place that mapping lives.
 * `hostId` comes from `Computer`/`Hostname`-like keys only when the table maps them; otherwise 'hunt'.
 */
export function convertHuntEvent(ev: HuntEvent, fallbackTime: number): ConvertedEvent {
  const fields: Record<string, FieldValue> = {};
  const extra: Record<string, FieldValue> = {};
  const unknownFields: string[] = [];
  for (const [k, v] of Object.entries(ev)) {
    if (k === 'logsource' || k === 'time') continue;
    const spec = fieldBySigmaName(k);
    if (spec) fields[spec.name] = toValue(v);
    else {
      extra[k] = toValue(v);
      unknownFields.push(k);
    }
  }
  const time =
    typeof ev.time === 'number' ? ev.time : typeof ev.time === 'string' ? Date.parse(ev.time) : fallbackTime;
  const event: TelemetryEvent = {
    kind: kindOfLogsource(ev.logsource),
    time,
    hostId: 'hunt',
    source: ev.logsource.service ?? 'hunt',
    fields,
  };
  return { input: { event, logsource: ev.logsource, extra }, unknownFields };
}

/** Field lookup by Sigma name for correlations: mapped fields first, then the unknown ones kept aside. */
export function sigmaField(input: MatchInput, name: string): string | undefined {
  const spec = fieldBySigmaName(name);
  const v = spec ? input.event.fields[spec.name] : (input.extra?.[name] ?? input.event.fields[name]);
  if (v === undefined || v === null) return undefined;
  return Array.isArray(v) ? v.join(',') : String(v);
}
