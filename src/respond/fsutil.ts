import { createHash, randomUUID } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { findTool, runTool } from './exec.js';

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 of a file, or null when it does not exist. */
export function fileSha256(path: string): string | null {
  try {
    return sha256(readFileSync(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A directory only root can enter: quarantine and backups must not be readable by the attacker's user. */
export function rootOnlyDir(path: string): string {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
  return path;
}

export function uniqueDir(parent: string, prefix: string): string {
  return rootOnlyDir(`${rootOnlyDir(parent)}/${prefix}-${randomUUID().slice(0, 8)}`);
}

export interface FileMeta {
  mode: number;
  uid: number;
  gid: number;
  atimeMs: number;
  mtimeMs: number;
}

export function fileMeta(path: string): FileMeta {
  const s = statSync(path);
  return { mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, atimeMs: s.atimeMs, mtimeMs: s.mtimeMs };
}

/** Writes bytes and puts mode, owner and times back as they were. */
export function writeWithMeta(path: string, data: Uint8Array, meta: FileMeta): void {
  writeFileSync(path, data, { mode: meta.mode });
  chmodSync(path, meta.mode);
  try {
    chownSync(path, meta.uid, meta.gid);
  } catch {}
  utimesSync(path, meta.atimeMs / 1000, meta.mtimeMs / 1000);
}

/**
 * Whether the file has the immutable attribute (attackers set it so cron lines cannot be removed). Filesystems
 * without attributes (tmpfs) and hosts without lsattr answer false.
 */
export async function isImmutable(path: string): Promise<boolean> {
  const lsattr = findTool('lsattr');
  if (!lsattr) return false;
  const r = await runTool(lsattr, ['-d', path]);
  if (r.code !== 0) return false;
  const flags = r.stdout.trim().split(/\s+/, 1)[0] ?? '';
  return flags.includes('i');
}

export async function setImmutable(path: string, on: boolean): Promise<void> {
  const chattr = findTool('chattr');
  if (!chattr) throw new Error(`cannot change the immutable flag of ${path}: chattr is not installed`);
  const r = await runTool(chattr, [on ? '+i' : '-i', path]);
  if (r.code !== 0) throw new Error(`chattr ${on ? '+i' : '-i'} ${path} failed: ${r.stderr.trim()}`);
}
