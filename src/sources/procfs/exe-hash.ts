import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

interface ProcessHash {
  sha256: string;
  start: number;
  link: string;
  procDir: string;
}

export type HashResult = { sha256: string } | { skipped: 'too-large' | 'unreadable'; detail: string };

/**
 * SHA-256 of executables, cached by (device, inode, mtime, size): hundreds of processes share a handful of binaries,
 * and a binary swapped on disk gets a new key. Reading through /proc/PID/exe hashes the file actually running, even
 * when it was deleted or replaced. Bounded: files over `maxBytes` are skipped, the cache keeps `maxEntries`.
 */
export class ExeHasher {
  private readonly cache = new Map<string, string>();
  /** pid -> digest of its image, with what identifies the process: it cannot change its image without a new link. */
  private readonly byProcess = new Map<number, ProcessHash>();
  // 64 KiB: the hash costs far more than the extra reads, and a long-running caller keeps this buffer resident.
  private readonly chunk = Buffer.allocUnsafe(64 * 1024);

  constructor(
    readonly maxBytes = 64 * 1024 * 1024,
    private readonly maxEntries = 65_536,
  ) {}

  /**
   * Hashes a process's executable (procDir/pid/exe), skipping even the open+fstat when the same process (same tree,
   * pid, start time and exe link) was hashed by an earlier scan: long-running callers rescan thousands of unchanged
   * processes, and this lookup allocates nothing.
   */
  hashProcess(procDir: string, pid: number, startTicks: number, link: string): HashResult {
    const known = this.byProcess.get(pid);
    if (known && known.start === startTicks && known.link === link && known.procDir === procDir) return known;
    const r = this.hash(`${procDir}/${pid}/exe`);
    if ('sha256' in r) {
      this.remember(this.byProcess, pid, { sha256: r.sha256, start: startTicks, link, procDir });
    }
    return r;
  }

  private remember<K, V>(map: Map<K, V>, key: K, value: V): void {
    if (!map.has(key) && map.size >= this.maxEntries) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
    map.set(key, value);
  }

  hash(path: string): HashResult {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      return { skipped: 'unreadable', detail: err instanceof Error ? err.message : String(err) };
    }
    try {
      const st = fstatSync(fd, { bigint: true });
      if (!st.isFile()) return { skipped: 'unreadable', detail: 'not a regular file' };
      if (st.size > BigInt(this.maxBytes)) return { skipped: 'too-large', detail: `${st.size} bytes` };
      const key = `${st.dev}:${st.ino}:${st.mtimeNs}:${st.size}`;
      const hit = this.cache.get(key);
      if (hit) return { sha256: hit };
      const h = createHash('sha256');
      for (;;) {
        const n = readSync(fd, this.chunk, 0, this.chunk.length, null);
        if (n === 0) break;
        h.update(this.chunk.subarray(0, n));
      }
      const digest = h.digest('hex');
      this.remember(this.cache, key, digest);
      return { sha256: digest };
    } catch (err) {
      return { skipped: 'unreadable', detail: err instanceof Error ? err.message : String(err) };
    } finally {
      closeSync(fd);
    }
  }
}
