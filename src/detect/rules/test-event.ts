import type { EventFields, FieldValue, TelemetryEvent } from '../../model/event.js';
import { fieldByName, fieldBySigmaName } from '../../model/fields.js';
import { TelemetryEventSchema } from '../../model/schemas.js';
import { kindOfLogsource } from '../sigma/hunt/input.js';
import type { PackTestEvent } from './pack.js';

function toValue(v: unknown): FieldValue {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
  throw new Error(`test event value must be a scalar or a list, got ${typeof v}`);
}

/**
 * A rule's test event as the model event scan would produce: Sigma taxonomy names (or the model's own names) mapped
 * through the field table, the kind from the logsource. Unknown names are an error, so a test cannot pass by
 * naming a field the engine never fills.
 */
export function packTestEvent(ev: PackTestEvent, time = 1_700_000_000_000): TelemetryEvent {
  const fields: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(ev)) {
    if (k === 'logsource') continue;
    const spec = fieldBySigmaName(k) ?? fieldByName(k);
    if (!spec) throw new Error(`test event field '${k}' is not in the field table`);
    fields[spec.name] = toValue(v);
  }
  const kind = kindOfLogsource(ev.logsource);
  if (kind === 'file' && fields['file.action'] === undefined) fields['file.action'] = 'present';
  const event = { kind, time, hostId: 'test', source: 'test', fields: fields as EventFields };
  const checked = TelemetryEventSchema.safeParse(event);
  if (!checked.success) throw new Error(`test event: ${checked.error.issues[0]?.message ?? 'invalid'}`);
  return event;
}
