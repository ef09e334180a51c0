import type { TelemetryEvent } from '../../model/event.js';
import { type FlowRecord, recordOfEvent } from '../../sources/cloud/flow-record.js';
import type { Hit } from '../detector.js';

export { isPublicIp } from '../../sources/cloud/flow-record.js';

/** A flow rule's `detect` for callers that hold events: the event as a record, then the rule. */
export function onEventRecord(
  flow: (r: FlowRecord) => Hit | Hit[] | null,
): (e: TelemetryEvent) => Hit | Hit[] | null {
  return (e) => {
    const r = recordOfEvent(e);
    return r ? flow(r) : null;
  };
}
