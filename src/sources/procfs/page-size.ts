import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';

/** AT_PAGESZ in the auxiliary vector (include/uapi/linux/auxvec.h). */
const AT_PAGESZ = 6;

let cached: number | undefined;

/**
 * The kernel's page size, the unit of the RSS field of /proc/PID/stat: 4 KiB on x86, 4, 16 or 64 KiB on arm64. Read
 * once from this process's auxiliary vector; 4096 when that cannot be read.
 */
export function pageSize(): number {
  if (cached !== undefined) return cached;
  cached = 4096;
  try {
    const auxv = readFileSync('/proc/self/auxv');
    const le = endianness() === 'LE';
    for (let at = 0; at + 16 <= auxv.length; at += 16) {
      const key = le ? auxv.readBigUInt64LE(at) : auxv.readBigUInt64BE(at);
      if (key === 0n) break;
      if (key === BigInt(AT_PAGESZ)) {
        const v = Number(le ? auxv.readBigUInt64LE(at + 8) : auxv.readBigUInt64BE(at + 8));
        if (v >= 4096 && (v & (v - 1)) === 0) cached = v;
        break;
      }
    }
  } catch {
    // Not Linux, or /proc not mounted for this process: the common page size.
  }
  return cached;
}
