export const EVENT_KINDS = [
  'process',
  'exec',
  'exit',
  'connection',
  'listener',
  'dns',
  'file',
  'auth',
  'log',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];
