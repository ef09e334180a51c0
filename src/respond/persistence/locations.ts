import { readdirSync } from 'node:fs';

export const PERSISTENCE_KINDS = ['cron', 'systemd', 'authorized_keys', 'ld.so.preload', 'rc'] as const;
export type PersistenceKind = (typeof PERSISTENCE_KINDS)[number];

export interface Location {
  kind: PersistenceKind;
  /** Host path (as seen from the host root, not the test root). */
  path: string;
  /** The file is a drop-in that may go as a whole when every entry in it is the attacker's. */
  dropIn: boolean;
  /** A script run as a whole (cron.daily, init.d): a match removes the file. */
  script: boolean;
}

function list(root: string, dir: string, filter: (name: string) => boolean = () => true): string[] {
  try {
    return readdirSync(`${root}${dir}`, { withFileTypes: true })
      .filter((d) => (d.isFile() || d.isSymbolicLink()) && filter(d.name))
      .map((d) => `${dir}/${d.name}`)
      .sort();
  } catch {
    return [];
  }
}

/** Home directories under the root, including /root. */
function homes(root: string): string[] {
  const out = ['/root'];
  try {
    for (const d of readdirSync(`${root}/home`, { withFileTypes: true }))
      if (d.isDirectory()) out.push(`/home/${d.name}`);
  } catch {}
  return out;
}

const RC_FILES = ['.bashrc', '.bash_profile', '.profile', '.bash_login', '.zshrc'];

/** Every place the attacker's loaders of the last decade have used to come back after a kill or reboot. */
export function persistenceLocations(root: string): Location[] {
  const r = root === '/' ? '' : root.replace(/\/+$/, '');
  const out: Location[] = [];
  const add = (kind: PersistenceKind, paths: string[], dropIn = false, script = false): void => {
    for (const path of paths) out.push({ kind, path, dropIn, script });
  };
  add('cron', ['/etc/crontab']);
  add('cron', list(r, '/etc/cron.d'), true);
  for (const p of ['hourly', 'daily', 'weekly', 'monthly'])
    add('cron', list(r, `/etc/cron.${p}`), true, true);
  add('cron', list(r, '/var/spool/cron/crontabs'), true);
  add('cron', list(r, '/var/spool/cron'), true);
  const unit = (n: string): boolean => n.endsWith('.service') || n.endsWith('.timer');
  for (const d of [
    '/etc/systemd/system',
    '/lib/systemd/system',
    '/usr/lib/systemd/system',
    '/run/systemd/system',
  ])
    add('systemd', list(r, d, unit), true, true);
  for (const h of homes(r)) {
    add('systemd', list(r, `${h}/.config/systemd/user`, unit), true, true);
    add('authorized_keys', [`${h}/.ssh/authorized_keys`, `${h}/.ssh/authorized_keys2`]);
    add(
      'rc',
      RC_FILES.map((f) => `${h}/${f}`),
    );
  }
  add('ld.so.preload', ['/etc/ld.so.preload']);
  add('rc', ['/etc/rc.local', '/etc/profile', '/etc/bash.bashrc', '/etc/environment']);
  add('rc', list(r, '/etc/profile.d'), true);
  add('rc', list(r, '/etc/init.d'), true, true);
  return out;
}
