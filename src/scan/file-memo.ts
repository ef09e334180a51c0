import { type Stats, statSync } from 'node:fs';
import type { Warning } from '../model/errors.js';
import type { Finding } from '../model/finding.js';
import type { PersistenceKind } from '../sources/files/locations.js';

interface Seen {
  /** Inode, size, mtime and ctime: ctime cannot be set back by a user, so a rewritten file never looks unchanged. */
  key: string;
  kind: PersistenceKind;
  findings: readonly Finding[];
}

/** A directory the sweep listed, or a file location it tried (present or not): its identity, '-' when absent. */
interface Looked {
  key: string;
  kind: PersistenceKind;
}

export interface FileMemoOptions {
  /**
   * The whole sweep runs at least this often (ms); in between, a scan only checks with `stat` whether anything it
   * covers every scan changed (`quickKinds`), and sweeps when it did. 0: every scan sweeps (default).
   */
  sweepIntervalMs?: number;
  /** Kinds checked every scan between full sweeps; the others wait for the next full sweep. */
  quickKinds?: ReadonlySet<PersistenceKind>;
}

/**
 * What churns on a busy host, lands in the exec feed when it runs, and is swept on the interval: files in writable
 * directories (a dropped binary that runs is seen by the exec feed and the process scan at once) and shell histories
 * (their commands were exec events). The persistence locations (cron, systemd, rc, profiles, shell rc files,
 * authorized_keys, ld.so.preload, passwd) are checked every scan.
 */
const INTERVAL_ONLY: ReadonlySet<PersistenceKind> = new Set(['writable-dir', 'shell-history']);
const ALL_KINDS: readonly PersistenceKind[] = [
  'cron',
  'systemd',
  'rc',
  'profile',
  'shell-rc',
  'authorized_keys',
  'ld-preload',
  'passwd',
  'writable-dir',
  'shell-history',
];
export const QUICK_KINDS: ReadonlySet<PersistenceKind> = new Set(
  ALL_KINDS.filter((k) => !INTERVAL_ONLY.has(k)),
);

const keyOf = (st: Stats): string => `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;

/**
 * What a repeated file sweep saw last time: per file its identity and the findings it produced. A file whose
 * identity is unchanged is not read or detected again; its findings from last time stand in. Bounded by the
 * sweep's own file limit, since only files seen in the latest sweep are kept.
 *
 * With a sweep interval, it also decides when a scan sweeps at all: a directory gains a new mtime when an entry is
 * added, removed or renamed, and a file a new ctime on every write, so `stat` of the directories listed, the file
 * locations tried and the files read last time tells whether anything of a kind changed without reading or listing.
 */
export class FileMemo {
  private last = new Map<string, Seen>();
  private current = new Map<string, Seen>();
  private looked = new Map<string, Looked>();
  private lookedNext = new Map<string, Looked>();
  private warnings: readonly Warning[] = [];
  private sweptAt = Number.NEGATIVE_INFINITY;
  private readonly intervalMs: number;
  private readonly quick: ReadonlySet<PersistenceKind>;
  /** Files skipped in the latest sweep because they had not changed. */
  skipped = 0;
  /** Full sweeps, and scans that only checked (counters for tests and metrics). */
  sweeps = 0;
  checks = 0;

  constructor(opts: FileMemoOptions = {}) {
    this.intervalMs = opts.sweepIntervalMs ?? 0;
    this.quick = opts.quickKinds ?? QUICK_KINDS;
  }

  /**
   * Whether this scan must sweep: always without an interval, when it has passed, or when `stat` finds a change in
   * a kind checked every scan. `prefix` is the scan root as a path prefix ('' for '/').
   */
  needsSweep(prefix: string, now: number): boolean {
    if (this.intervalMs <= 0 || now - this.sweptAt >= this.intervalMs) return true;
    this.checks++;
    for (const [path, l] of this.looked)
      if (this.quick.has(l.kind) && statKey(prefix + path) !== l.key) return true;
    for (const [path, s] of this.last)
      if (this.quick.has(s.kind) && statKey(prefix + path) !== s.key) return true;
    return false;
  }

  /** The findings of the last sweep (copies) and its warnings, for a scan that does not sweep. */
  carry(): { findings: Finding[]; warnings: readonly Warning[] } {
    const findings: Finding[] = [];
    for (const s of this.last.values()) for (const f of s.findings) findings.push(structuredClone(f));
    return { findings, warnings: this.warnings };
  }

  /** Forgets every file and the last sweep's time: the next scan sweeps and reads everything (the rules changed). */
  forget(): void {
    this.last = new Map();
    this.looked = new Map();
    this.warnings = [];
    this.sweptAt = Number.NEGATIVE_INFINITY;
  }

  /** Starts a sweep at `now` (epoch ms). */
  begin(now = Date.now()): void {
    this.current = new Map();
    this.lookedNext = new Map();
    this.skipped = 0;
    this.sweptAt = now;
    this.sweeps++;
  }

  /** A directory about to be listed, or a file location about to be tried: stat it before the sweep reads it. */
  look(prefix: string, path: string, kind: PersistenceKind): void {
    this.lookedNext.set(path, { key: statKey(prefix + path), kind });
  }

  /** The findings of an unchanged file (possibly none), or undefined when it must be read. */
  unchanged(path: string, st: Stats, kind: PersistenceKind): readonly Finding[] | undefined {
    const key = keyOf(st);
    const prev = this.last.get(path);
    if (!prev || prev.key !== key) {
      this.current.set(path, { key, kind, findings: [] });
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
    if (seen) this.current.set(path, { ...seen, findings: findings.length ? structuredClone(findings) : [] });
  }

  /** Ends a sweep: files not seen in it are forgotten. */
  end(warnings: readonly Warning[] = []): void {
    this.last = this.current;
    this.current = new Map();
    this.looked = this.lookedNext;
    this.lookedNext = new Map();
    this.warnings = warnings;
  }
}

function statKey(path: string): string {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    return st ? keyOf(st) : '-';
  } catch (err) {
    return `!${(err as { code?: string }).code ?? 'error'}`;
  }
}
