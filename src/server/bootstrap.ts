import type { Store } from '../store/store.js';
import { hashPassword, newId, newPassword } from './auth/secrets.js';

/**
 * On an empty database, creates the `admin` user with a random password and returns it, once, for the operator
 * to read; afterwards it returns null and the password exists only as its hash.
 */
export async function ensureFirstAdmin(
  store: Store,
  name = 'admin',
): Promise<{ name: string; password: string } | null> {
  if ((await store.auth.countUsers()) > 0) return null;
  const password = newPassword();
  await store.auth.createUser({
    id: newId('u'),
    name,
    role: 'admin',
    passwordHash: await hashPassword(password),
    createdAt: new Date(),
  });
  return { name, password };
}
