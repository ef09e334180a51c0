import { createHash, randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Secrets carry a prefix naming their kind, so the server knows which table to look in and a leaked string is
 * recognisable in a scan: mwa_ agent credential, mwt_ API token, mwe_ enrollment token, mws_ session.
 */
export type SecretKind = 'mwa' | 'mwt' | 'mwe' | 'mws';

export function newSecret(kind: SecretKind): string {
  return `${kind}_${randomBytes(32).toString('base64url')}`;
}

export function secretKind(secret: string): SecretKind | null {
  const m = /^(mwa|mwt|mwe|mws)_[A-Za-z0-9_-]{43}$/.exec(secret);
  return m ? (m[1] as SecretKind) : null;
}

/** Secrets are 256 random bits, so a fast hash is enough: there is nothing to brute-force. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function newId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

const SCRYPT = { N: 16_384, r: 8, p: 1, keylen: 32 } as const;

function scryptAsync(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** Passwords are chosen by people, so they get a slow, salted hash (scrypt from node:crypto). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt);
  return `scrypt$${SCRYPT.N}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [algo, n, salt, key] = stored.split('$');
  if (algo !== 'scrypt' || Number(n) !== SCRYPT.N || !salt || !key) return false;
  const want = Buffer.from(key, 'base64');
  const got = await scryptAsync(password, Buffer.from(salt, 'base64'));
  return got.length === want.length && timingSafeEqual(got, want);
}

/** A password for the first admin: readable, 20 chars of base64url (120 bits). */
export function newPassword(): string {
  return randomBytes(15).toString('base64url');
}
