import { hashSecret } from './secrets.js';

/**
 * Every agent request presents the same credential again, and hashing it (a crypto object per call) was ~2% of the
 * server's CPU per small ingest request. The hash of a secret never changes, so the hashes of credentials that
 * authenticated recently are remembered; revocation is unaffected, since the store is still asked about the hash
 * on every request. Only credentials of live agents are added, so forged ones cannot fill it; bounded all the same
 * (emptied when full).
 */
const MAX_ENTRIES = 20_000;
const memo = new Map<string, string>();

/** sha256 of an agent credential: remembered when `remember` is called for it, else computed. */
export function credentialHash(secret: string): string {
  return memo.get(secret) ?? hashSecret(secret);
}

/** Keeps the hash of a credential that just authenticated a live agent. */
export function rememberCredential(secret: string, hash: string): void {
  if (memo.has(secret)) return;
  if (memo.size >= MAX_ENTRIES) memo.clear();
  memo.set(secret, hash);
}
