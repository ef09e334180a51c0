import type { TelemetryEvent } from '../../model/event.js';

/** Typed reads of event fields for coded detectors; wrong-typed values read as absent. */
export function str(e: TelemetryEvent, name: string): string | undefined {
  const v = e.fields[name];
  return typeof v === 'string' ? v : undefined;
}

export function num(e: TelemetryEvent, name: string): number | undefined {
  const v = e.fields[name];
  return typeof v === 'number' ? v : undefined;
}

export function bool(e: TelemetryEvent, name: string): boolean {
  return e.fields[name] === true;
}

export function strs(e: TelemetryEvent, name: string): readonly string[] {
  const v = e.fields[name];
  return Array.isArray(v) ? v : [];
}
