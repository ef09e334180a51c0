import { readFileSync } from 'node:fs';

/** uid -> user name from a passwd(5) file; unreadable or malformed lines are ignored (names are cosmetic). */
export function readPasswd(path: string): Map<number, string> {
  const users = new Map<number, string>();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return users;
  }
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const parts = line.split(':');
    const uid = Number(parts[2]);
    if (parts[0] && Number.isInteger(uid) && !users.has(uid)) users.set(uid, parts[0]);
  }
  return users;
}
