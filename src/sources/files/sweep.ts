import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import type { WarningSink } from '../../model/errors.js';
import { HOME_FILES, type Location, type PersistenceKind, SYSTEM_LOCATIONS } from './locations.js';

export interface SweptFile {
  /** Path as the host sees it (without the --root prefix). */
  path: string;
  kind: PersistenceKind;
  /**
   * Text content up to the cap (latin1 for binaries, so bytes survive). For shell history it is the END of the
   * file (the latest commands), starting at a line boundary.
   */
  content: string;
  truncated: boolean;
  /** Line number of the content's first line: 1, or further on for a history tail; null when not counted. */
  firstLine: number | null;
  /** ELF magic at the start. */
  elf: boolean;
  size: number;
  mtimeMs: number;
  uid: number;
  mode: number;
}

export interface SweepOptions {
  /** Bytes read per file. Default 256 KiB. */
  maxBytes?: number;
  /** Files read in all; the rest is counted, not read. Default 20,000. */
  maxFiles?: number;
  /**
   * Receives each file as it is read, and the sweep keeps none: a host's swept files can be tens of MB in all,
   * more than a long-running agent should hold at once. Without it, all files are returned.
   */
  onFile?: (file: SweptFile) => void;
  /** Directories of one writable-dir location; keeps a /tmp with millions of files from stalling a scan. */
  maxEntriesPerDir?: number;
  /** Bytes before a history tail that are read to number its lines; beyond, line numbers are unknown. */
  maxLineCountBytes?: number;
  /**
   * Asked before a file is read, with its stat: true skips reading it (a repeated sweep that remembers what it saw
   * last time and handles unchanged files itself). The file still counts toward maxFiles.
   */
  unchanged?: (path: string, st: import('node:fs').Stats, kind: PersistenceKind) => boolean;
  /** Told of each directory before it is listed and each file location before it is tried (present or not). */
  onLook?: (path: string, kind: PersistenceKind) => void;
}

// Unit directories hold hundreds of vendor units; only files that can run something are worth reading there.
const SYSTEMD_SUFFIX = /\.(service|timer|socket|path)$/;

function homesOf(root: string): string[] {
  const homes = new Set<string>(['/root']);
  try {
    for (const line of readFileSync(`${root}/etc/passwd`, 'utf8').split('\n')) {
      const home = line.split(':')[5];
      if (home?.startsWith('/') && home !== '/' && !home.startsWith('/nonexistent')) homes.add(home);
    }
  } catch {}
  try {
    for (const d of readdirSync(`${root}/home`)) homes.add(`/home/${d}`);
  } catch {}
  return [...homes];
}

/** Newlines in the first `end` bytes of a file. */
function countLines(fd: number, end: number): number {
  const chunk = Buffer.allocUnsafe(Math.min(end, 1024 * 1024));
  let lines = 0;
  for (let pos = 0; pos < end; ) {
    const n = readSync(fd, chunk, 0, Math.min(chunk.length, end - pos), pos);
    if (n === 0) break;
    for (let i = chunk.indexOf(0x0a); i >= 0 && i < n; i = chunk.indexOf(0x0a, i + 1)) lines++;
    pos += n;
  }
  return lines;
}

/**
 * Reads the files attackers use to persist, hide and stage, under `root`. Bounded everywhere: bytes per file, files
 * in all, entries per directory. Unreadable places are skipped quietly when they do not exist and warned otherwise.
 */
export function sweepFiles(root: string, warnings: WarningSink, opts: SweepOptions = {}): SweptFile[] {
  let count = 0;
  const prefix = root === '/' ? '' : root.replace(/\/+$/, '');
  const maxBytes = opts.maxBytes ?? 256 * 1024;
  const maxFiles = opts.maxFiles ?? 20_000;
  const maxEntries = opts.maxEntriesPerDir ?? 2_000;
  const out: SweptFile[] = [];
  const keep = (f: SweptFile): void => {
    out.push(f);
  };
  const maxCount = opts.maxLineCountBytes ?? 16 * 1024 * 1024;
  const buf = Buffer.allocUnsafe(maxBytes + 1);
  let skipped = 0;
  // Permission gaps are routine without root: one summary line, not one warning per file.
  let denied = 0;
  const problem = (code: string | undefined, what: string, path: string): void => {
    if (code === 'EACCES' || code === 'EPERM') denied++;
    else warnings.add('MW_W_FILE_UNREADABLE', `${what}: ${code}`, path);
  };

  const readOne = (hostPath: string, kind: PersistenceKind): void => {
    if (count >= maxFiles) {
      skipped++;
      return;
    }
    let fd: number;
    try {
      fd = openSync(`${prefix}${hostPath}`, 'r');
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'ELOOP') problem(code, 'cannot read', hostPath);
      return;
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) return;
      if (opts.unchanged?.(hostPath, st, kind)) {
        count++;
        return;
      }
      // History grows at the end: its latest commands are what a sweep must see, whatever the file's size.
      const tail = kind === 'shell-history' && st.size > maxBytes;
      const start = tail ? st.size - maxBytes : 0;
      let len = 0;
      while (len <= maxBytes) {
        const n = readSync(fd, buf, len, maxBytes + 1 - len, start + len);
        if (n === 0) break;
        len += n;
      }
      const truncated = tail || len > maxBytes;
      let data = buf.subarray(0, Math.min(len, maxBytes));
      let firstLine: number | null = 1;
      if (tail) {
        // Start at a line boundary and number the lines by counting those before it (bounded).
        const nl = data.indexOf(0x0a);
        const skip = nl < 0 ? data.length : nl + 1;
        data = data.subarray(skip);
        firstLine = start + skip <= maxCount ? countLines(fd, start + skip) + 1 : null;
      }
      count++;
      (opts.onFile ?? keep)({
        path: hostPath,
        kind,
        content: data.toString('latin1'),
        truncated,
        firstLine,
        elf: data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46,
        size: st.size,
        mtimeMs: st.mtimeMs,
        uid: st.uid,
        mode: st.mode,
      });
    } catch (err) {
      warnings.add('MW_W_FILE_UNREADABLE', `cannot read: ${(err as Error).message}`, hostPath);
    } finally {
      closeSync(fd);
    }
  };

  const walk = (hostDir: string, kind: PersistenceKind, depth: number): void => {
    let entries: import('node:fs').Dirent[];
    opts.onLook?.(hostDir, kind);
    try {
      entries = readdirSync(`${prefix}${hostDir}`, { withFileTypes: true });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') problem(code, 'cannot list', hostDir);
      return;
    }
    if (entries.length > maxEntries)
      warnings.add(
        'MW_W_FILE_UNREADABLE',
        `${entries.length} entries; only the first ${maxEntries} were read`,
        hostDir,
      );
    for (const e of entries.slice(0, maxEntries)) {
      const p = `${hostDir === '/' ? '' : hostDir}/${e.name}`;
      if (e.isDirectory()) {
        if (depth > 1) walk(p, kind, depth - 1);
      } else if (e.isFile() || e.isSymbolicLink()) {
        if (kind === 'systemd' && !SYSTEMD_SUFFIX.test(e.name)) continue;
        readOne(p, kind);
      }
    }
  };

  const visit = (loc: Location): void => {
    if (loc.depth === undefined) {
      opts.onLook?.(loc.path, loc.kind);
      readOne(loc.path, loc.kind);
    } else walk(loc.path, loc.kind, loc.depth);
  };

  for (const loc of SYSTEM_LOCATIONS) visit(loc);
  for (const home of homesOf(prefix)) {
    for (const f of HOME_FILES) {
      const p = `${home}/${f.rel}`;
      opts.onLook?.(p, f.kind);
      let isDir = false;
      try {
        isDir = statSync(`${prefix}${p}`).isDirectory();
      } catch {
        continue;
      }
      visit(isDir ? { kind: f.kind, path: p, depth: 2 } : { kind: f.kind, path: p });
    }
  }
  if (skipped > 0)
    warnings.add('MW_W_FILE_UNREADABLE', `file limit ${maxFiles} reached; ${skipped} file(s) not read`);
  if (denied > 0)
    warnings.add('MW_W_FILE_UNREADABLE', `${denied} file(s) or folder(s) not readable (permissions)`);
  return out;
}
