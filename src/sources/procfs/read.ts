import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Reads a /proc file into a reused buffer. procfs files report size 0, so readFileSync would stat and grow a
 * buffer for each of thousands of tiny files; one open + read loop + close is what a scan can afford.
 */
const shared = Buffer.allocUnsafe(64 * 1024);

/**
 * Returns the bytes read (a view into a shared buffer: copy or decode before the next call), cut at `cap`.
 * `whole`: the file gives all it has to one large enough read (a single-record procfs file such as stat, status,
 * cgroup, or cmdline, or a regular file), so a short read is its end and the closing read that returns 0 is saved.
 * Multi-record seq files (/proc/net/tcp) return one page at a time and must be read to 0.
 */
export function readProcBytes(
  path: string,
  cap = shared.length,
  whole = false,
): { data: Buffer; truncated: boolean } {
  const fd = openSync(path, 'r');
  try {
    let buf = shared;
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        if (len >= cap) break;
        const bigger = Buffer.allocUnsafe(Math.min(cap, buf.length * 2));
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      const want = Math.min(buf.length, cap) - len;
      const n = readSync(fd, buf, len, want, null);
      if (n === 0 || (whole && n < want)) return { data: buf.subarray(0, len + n), truncated: false };
      len += n;
      if (len >= cap) break;
    }
    // Cap reached: check whether anything was left unread.
    const probe = Buffer.allocUnsafe(1);
    const more = readSync(fd, probe, 0, 1, null) > 0;
    return { data: buf.subarray(0, len), truncated: more };
  } finally {
    closeSync(fd);
  }
}

export function readProcText(path: string, whole = false): string {
  return readProcBytes(path, shared.length, whole).data.toString('latin1');
}

/** Node's errno for a failed fs call, or undefined. */
export function errnoOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}
