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
  /** A flow record from cloud flow logs (VPC, NSG): counts over an interval, not a socket. */
  'flow',
  /** A cloud control-plane call (CloudTrail). */
  'cloud-api',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];
