import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** Where cron jobs and services are defined: whoever can write here runs code as root at the next tick or boot. */
export const PERSISTENCE_PATHS = [
  '/etc/crontab',
  '/etc/cron.d',
  '/etc/cron.hourly',
  '/etc/cron.daily',
  '/etc/cron.weekly',
  '/etc/cron.monthly',
  '/var/spool/cron',
  '/var/spool/cron/crontabs',
  '/etc/systemd/system',
  '/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/etc/init.d',
  '/etc/rc.local',
];

export interface WritablePath {
  /** Path as on the host (without the --root prefix). */
  path: string;
  mode: string;
  kind: 'file' | 'dir';
}

/**
 * World-writable files and directories (without the sticky bit) in the persistence paths and one level below.
 * Symlinks are not followed: a link's own mode means nothing, and following them could leave the root.
 */
export function findWorldWritable(root: string, paths = PERSISTENCE_PATHS, limit = 500): WritablePath[] {
  const out: WritablePath[] = [];
  const check = (hostPath: string): ReturnType<typeof lstatSync> | undefined => {
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(path.join(root, hostPath));
    } catch {
      return undefined;
    }
    if (st.isSymbolicLink()) return undefined;
    const worldWritable = (st.mode & 0o002) !== 0;
    const sticky = (st.mode & 0o1000) !== 0;
    if (worldWritable && !(st.isDirectory() && sticky) && out.length < limit)
      out.push({
        path: hostPath,
        mode: (st.mode & 0o7777).toString(8).padStart(4, '0'),
        kind: st.isDirectory() ? 'dir' : 'file',
      });
    return st;
  };
  for (const p of paths) {
    const st = check(p);
    if (!st?.isDirectory()) continue;
    let names: string[] = [];
    try {
      names = readdirSync(path.join(root, p)).sort();
    } catch {
      continue;
    }
    for (const n of names.slice(0, 5000)) check(path.posix.join(p, n));
  }
  return out;
}
