import type { TelemetryEvent } from '../model/event.js';
import type { Entity } from '../model/finding.js';

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The process an event is about, as a finding entity (pid + start time name it across pid reuse). */
export function processEntity(event: TelemetryEvent): Entity {
  const f = event.fields;
  const entity: Entity = { kind: 'process' };
  if (typeof f['process.pid'] === 'number') entity.pid = f['process.pid'];
  const exe = str(f['process.exe']);
  if (exe) entity.exe = exe;
  const name = str(f['process.name']);
  if (name) entity.name = name;
  const container = str(f['process.containerId']);
  if (container) entity.container = container;
  const start = f['process.startTime'];
  if (typeof start === 'number') entity.startTime = new Date(start).toISOString();
  else if (typeof start === 'string') entity.startTime = start;
  return entity;
}
