import { createRequire } from 'node:module';
import { packagePath } from '../../util/package-root.js';
import { SSHD_METHOD_NAMES } from './sshd-bytes.js';

export const AUTHLOG_WALK_ADDON_PATH = packagePath('build', 'Release', 'authlog_walk.node');

/**
 * native/authlog_walk.cc: the newline-terminated lines of `buf[from, to)` into `out`, one record of WALK_RECORD
 * words per line (layout at the top of the .cc file), until `out` is full; returns how many. With `markers`
 * (`MarkerScan.spec()`), W_MARKED says whether each line holds one.
 */
export type AuthLogWalk = (
  buf: Uint8Array,
  from: number,
  to: number,
  maxLine: number,
  out: Int32Array,
  markers?: Uint8Array,
) => number;

export const WALK_RECORD = 22;

/** Record words (see native/authlog_walk.cc). */
export const W_START = 0;
export const W_END = 1;
export const W_STATUS = 2;
export const W_STAMP = 3;
export const W_PID = 4;
export const W_PROGRAM = 5;
export const W_HOSTNAME = 6;
export const W_HOSTNAME_END = 7;
export const W_REASON = 8;
export const W_METHOD = 9;
export const W_INVALID = 10;
export const W_USER = 11;
export const W_USER_END = 12;
export const W_USER_HASH = 13;
export const W_PEER = 14;
export const W_PEER_END = 15;
export const W_PEER_HASH = 16;
export const W_COUNT = 17;
export const W_FAILURE = 18;
/** The walk's number for the peer's and the account's spelling (-1: none, or its table is full). */
export const W_PEER_ID = 19;
export const W_USER_ID = 20;
/** 1 when the line holds one of the markers given to the walk (markers.ts), else 0. */
export const W_MARKED = 21;

/** Ids are below this: the walk's tables of spellings stop growing there. */
export const MAX_WALK_IDS = 16384;

/** Statuses: 0 the JS byte path decides; the others are what that path would find without state. */
export const WALK_JS = 0;
export const WALK_TIME_ONLY = 1;
export const WALK_BINARY = 2;
export const WALK_ATTEMPT = 3;
export const WALK_PEER = 4;

/** Codes of W_REASON, W_METHOD and W_PROGRAM (index 0: none). */
export const WALK_REASONS: readonly string[] = [
  '',
  'failed',
  'invalid-user',
  'pam-failure',
  'preauth-close',
  'preauth-close-user',
  'negotiation-failed',
  'accepted',
];
/** The walk's method codes: 0 none, then sshd-bytes.ts's methods in order. */
export const WALK_METHODS: readonly (string | undefined)[] = [undefined, ...SSHD_METHOD_NAMES];
export const WALK_PROGRAMS: readonly string[] = ['', 'sshd', 'sshd-session', 'sshd-auth'];

const ABI = 3;
let cached: AuthLogWalk | null | undefined;

/** The addon's walk, or null when it is not built (the JS byte path then reads every line; same results). */
export function loadAuthLogWalk(path = AUTHLOG_WALK_ADDON_PATH): AuthLogWalk | null {
  if (cached !== undefined && path === AUTHLOG_WALK_ADDON_PATH) return cached;
  let walk: AuthLogWalk | null = null;
  try {
    const mod = createRequire(import.meta.url)(path) as { abiVersion?: unknown; walk?: unknown };
    if (mod.abiVersion === ABI && typeof mod.walk === 'function') walk = mod.walk as AuthLogWalk;
  } catch {
    // Not built (or built for another Node): an optional speed-up.
  }
  if (path === AUTHLOG_WALK_ADDON_PATH) cached = walk;
  return walk;
}
