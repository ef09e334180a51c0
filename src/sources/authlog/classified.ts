/**
 * Why a login attempt failed or succeeded, one code per OpenSSH (or dropbear, PAM, audit) message family. Detectors
 * choose which codes count toward brute force; see docs/sources.md for the table.
 */
export const AUTH_REASONS = [
  'failed',
  'invalid-user',
  'auth-error',
  'pam-failure',
  'not-allowed',
  'root-refused',
  'refused-connect',
  'auth-fail-disconnect',
  'too-many-failures',
  'too-many-disconnect',
  'max-attempts',
  'change-user',
  'preauth-close-user',
  'preauth-close',
  'no-auth-methods',
  'no-identification',
  'bad-protocol',
  'bad-banner',
  'kex-failure',
  'negotiation-failed',
  'dispatch-fatal',
  'timeout',
  'audit-failure',
  'accepted',
] as const;
export type AuthReason = (typeof AUTH_REASONS)[number];

export interface AuthFacts {
  kind: 'auth';
  outcome: 'failure' | 'success';
  reason: AuthReason;
  method?: string;
  user?: string;
  invalidUser?: boolean;
  /** The peer as logged: an address or a host name (UseDNS). Absent when the message names none. */
  host?: string;
  port?: number;
  /** Failures this line stands for (`message repeated N times`). */
  count?: number;
  /** Event time from the message itself (audit records), epoch ms. */
  time?: number;
}

/** A line that names the peer of a connection without being an attempt: remembered to attribute later lines. */
export interface PeerFacts {
  kind: 'peer';
  host: string;
  port?: number;
}

export type Classified = AuthFacts | PeerFacts | null;
