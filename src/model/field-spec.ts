import type { EventKind } from './event-kinds.js';

export type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'string[]' | 'ip' | 'time';

export interface FieldSpec {
  /** The model's name, used by coded detectors and in event files. */
  readonly name: string;
  readonly type: FieldType;
  readonly description: string;
  /** Sigma taxonomy names that map to this field, first one preferred. */
  readonly sigma: readonly string[];
  /** Event kinds that carry the field. */
  readonly kinds: readonly EventKind[];
}

export const PROC: readonly EventKind[] = ['process', 'exec', 'exit'];
/** Events about a process or something it holds: they name the process. */
export const PROC_AND_CONN: readonly EventKind[] = [
  'process',
  'exec',
  'exit',
  'connection',
  'listener',
  'dns',
  'file',
];
export const NET: readonly EventKind[] = ['connection', 'listener'];
