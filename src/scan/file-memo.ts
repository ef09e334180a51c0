import type { Stats } from 'node:fs';
import type { Finding } from '../model/finding.js';

interface Seen {
  /** Inode, size, mtime and ctime: ctime cannot be set back by a user, so a rewritten file never looks unchanged. */
  key: string;
  findings: readonly Finding[];
}

/**
 * What a repeated file sweep saw last time: per file its identity and the findings it produced. A file whose
 * identity is unchanged is not read or detected again; its findings from last time stand in. Bounded by the
 * sweep's own file limit, since only files seen in the latest sweep are kept.
 */
export class FileMemo {
  private last = new Map<string, Seen>();
  private current = new Map<string, Seen>();
  /** Files skipped in the latest sweep because they had not changed. */
  skipped = 0;

  private static keyOf(st: Stats): string {
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  }

  /** Starts a sweep. */
  begin(): void {
    this.current = new Map();
    this.skipped = 0;
  }

  /** The findings of an unchanged file (possibly none), or undefined when it must be read. */
  unchanged(path: string, st: Stats): readonly Finding[] | undefined {
    const key = FileMemo.keyOf(st);
    const prev = this.last.get(path);
    if (!prev || prev.key !== key) {
      this.current.set(path, { key, findings: [] });
      return undefined;
    }
    this.current.set(path, prev);
    this.skipped++;
    // Copies: a scan adds cost evidence and incident ids to its findings, which must not leak into the next scan.
    return structuredClone(prev.findings);
  }

  /** Records what a file that was read produced. */
  record(path: string, findings: readonly Finding[]): void {
    const seen = this.current.get(path);
    if (seen)
      this.current.set(path, { key: seen.key, findings: findings.length ? structuredClone(findings) : [] });
  }

  /** Ends a sweep: files not seen in it are forgotten. */
  end(): void {
    this.last = this.current;
    this.current = new Map();
  }
}
