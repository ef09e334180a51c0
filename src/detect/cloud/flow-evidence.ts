import type { TelemetryEvent } from '../../model/event.js';
import { num, str } from '../detectors/fields.js';

/** The record as the log gave it, for a finding's evidence. */
export function flowEvidence(e: TelemetryEvent): Record<string, unknown> {
  return {
    source: e.source,
    src: `${str(e, 'source.ip') ?? '?'}:${num(e, 'source.port') ?? '?'}`,
    dst: `${str(e, 'destination.ip') ?? '?'}:${num(e, 'destination.port') ?? '?'}`,
    transport: str(e, 'network.transport') ?? null,
    packets: num(e, 'flow.packets') ?? null,
    bytes: num(e, 'flow.bytes') ?? null,
    action: str(e, 'flow.action') ?? null,
    start: new Date(e.time).toISOString(),
    instance: str(e, 'cloud.instanceId') ?? str(e, 'cloud.instanceName') ?? null,
    interface: str(e, 'cloud.interfaceId') ?? null,
    account: str(e, 'cloud.account') ?? null,
  };
}
