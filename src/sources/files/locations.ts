/** What a swept file is, which decides the detectors that read it. */
export type PersistenceKind =
  | 'cron'
  | 'systemd'
  | 'rc'
  | 'profile'
  | 'shell-rc'
  | 'authorized_keys'
  | 'ld-preload'
  | 'passwd'
  | 'writable-dir'
  | 'shell-history';

export interface Location {
  kind: PersistenceKind;
  /** A file, or a directory whose files (to `depth`) are all of this kind. */
  path: string;
  depth?: number;
}

/** Where cron, systemd, shells and sshd look for things to run or trust: the places attackers persist. */
export const SYSTEM_LOCATIONS: readonly Location[] = [
  { kind: 'cron', path: '/etc/crontab' },
  { kind: 'cron', path: '/etc/cron.d', depth: 1 },
  { kind: 'cron', path: '/etc/cron.hourly', depth: 1 },
  { kind: 'cron', path: '/etc/cron.daily', depth: 1 },
  { kind: 'cron', path: '/etc/cron.weekly', depth: 1 },
  { kind: 'cron', path: '/etc/cron.monthly', depth: 1 },
  { kind: 'cron', path: '/var/spool/cron', depth: 2 },
  { kind: 'cron', path: '/etc/anacrontab' },
  { kind: 'systemd', path: '/etc/systemd/system', depth: 2 },
  { kind: 'systemd', path: '/run/systemd/system', depth: 2 },
  { kind: 'systemd', path: '/usr/lib/systemd/system', depth: 1 },
  { kind: 'systemd', path: '/lib/systemd/system', depth: 1 },
  { kind: 'rc', path: '/etc/rc.local' },
  { kind: 'rc', path: '/etc/init.d', depth: 1 },
  { kind: 'profile', path: '/etc/profile' },
  { kind: 'profile', path: '/etc/profile.d', depth: 1 },
  { kind: 'profile', path: '/etc/bash.bashrc' },
  { kind: 'ld-preload', path: '/etc/ld.so.preload' },
  { kind: 'passwd', path: '/etc/passwd' },
  { kind: 'writable-dir', path: '/tmp', depth: 3 },
  { kind: 'writable-dir', path: '/var/tmp', depth: 3 },
  { kind: 'writable-dir', path: '/dev/shm', depth: 3 },
];

/** Per-home files: every home directory from passwd plus /root. */
export const HOME_FILES: ReadonlyArray<{ kind: PersistenceKind; rel: string }> = [
  { kind: 'authorized_keys', rel: '.ssh/authorized_keys' },
  { kind: 'authorized_keys', rel: '.ssh/authorized_keys2' },
  { kind: 'shell-rc', rel: '.bashrc' },
  { kind: 'shell-rc', rel: '.bash_profile' },
  { kind: 'shell-rc', rel: '.profile' },
  { kind: 'shell-rc', rel: '.zshrc' },
  { kind: 'systemd', rel: '.config/systemd/user' },
  // What was typed: a dropper run by hand (or pasted by a bot over SSH) leaves its commands here.
  { kind: 'shell-history', rel: '.bash_history' },
  { kind: 'shell-history', rel: '.zsh_history' },
  { kind: 'shell-history', rel: '.ash_history' },
];
