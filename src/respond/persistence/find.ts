import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { sha256 } from '../fsutil.js';
import { type Indicators, matchIndicator } from './indicators.js';
import { type Location, type PersistenceKind, persistenceLocations } from './locations.js';
import { parseKeyLine } from './ssh-keys.js';

export interface EntryLine {
  /** 1-based line number. */
  n: number;
  text: string;
  why: string;
}

/** One file to change: some lines out of it, or the whole file (with its enablement symlinks). */
export interface PersistenceEntry {
  kind: PersistenceKind;
  /** Host path, e.g. /etc/cron.d/x; the file touched is root + path. */
  path: string;
  mode: 'lines' | 'file';
  lines: EntryLine[];
  why: string;
  /** sha256 of the file when planned; apply refuses if it changed since. */
  sha256: string;
  /** systemd `*.wants/` symlinks (host paths) enabling a unit that goes. */
  symlinks: string[];
  needsConfirmation: boolean;
}

export interface KeyPolicy {
  /** Fingerprints (SHA256:...) of keys the operators own; never removed. */
  allowed: readonly string[];
  /** Fingerprints known to be the attacker's; always removed. */
  denied: readonly string[];
  /** A key not on `allowed`, in a file changed at or after this epoch ms, is a suspect. Null turns it off. */
  windowStartMs: number | null;
}

const MAX_FILE = 1024 * 1024;
const DROP_PATH = /^\/(tmp|var\/tmp|dev\/shm)\//;

function readSmall(file: string): { text: string; bytes: Buffer; mtimeMs: number } | null {
  try {
    const st = lstatSync(file);
    if (!st.isFile() || st.size > MAX_FILE) return null;
    const bytes = readFileSync(file);
    return { text: bytes.toString('utf8'), bytes, mtimeMs: st.mtimeMs };
  } catch {
    return null;
  }
}

function lineWhy(
  loc: Location,
  line: string,
  ind: Indicators,
  keys: KeyPolicy,
  fileMtime: number,
): string | null {
  const t = line.trim();
  if (t === '' || t.startsWith('#')) return null;
  const hit = matchIndicator(t, ind);
  if (loc.kind === 'authorized_keys') {
    const key = parseKeyLine(t);
    if (!key) return hit ? `mentions ${hit}` : null;
    if (keys.allowed.includes(key.fingerprint)) return null;
    if (hit) return `key ${key.fingerprint} mentions ${hit}`;
    if (keys.denied.includes(key.fingerprint)) return `key ${key.fingerprint} is on the deny list`;
    if (keys.windowStartMs !== null && keys.allowed.length > 0 && fileMtime >= keys.windowStartMs)
      return `key ${key.fingerprint} (${key.comment || 'no comment'}) is not on the allowlist and the file changed during the incident`;
    return null;
  }
  if (hit) return `mentions ${hit}`;
  if (loc.kind === 'ld.so.preload') {
    for (const lib of t.split(/[\s:]+/)) {
      if (DROP_PATH.test(lib)) return `preloads ${lib} from a world-writable directory`;
    }
  }
  return null;
}

function wantsLinks(r: string, unit: string): string[] {
  const out: string[] = [];
  for (const base of ['/etc/systemd/system', '/root/.config/systemd/user']) {
    let dirs: string[] = [];
    try {
      dirs = readdirSync(`${r}${base}`).filter((d) => d.endsWith('.wants') || d.endsWith('.requires'));
    } catch {}
    for (const d of dirs) {
      const link = `${base}/${d}/${unit}`;
      try {
        readlinkSync(`${r}${link}`);
        out.push(link);
      } catch {}
    }
  }
  return out;
}

/** Finds what ties this intrusion to the host across reboots and kills, under `root`. Reads only. */
export function findPersistence(root: string, ind: Indicators, keys: KeyPolicy): PersistenceEntry[] {
  const r = root === '/' ? '' : root.replace(/\/+$/, '');
  const out: PersistenceEntry[] = [];
  const units = new Set<string>();
  for (const loc of persistenceLocations(root)) {
    const file = readSmall(`${r}${loc.path}`);
    if (!file) continue;
    const lines: EntryLine[] = [];
    const all = file.text.split('\n');
    let live = 0;
    all.forEach((text, i) => {
      const t = text.trim();
      if (t !== '' && !t.startsWith('#')) live++;
      const why = lineWhy(loc, text, ind, keys, file.mtimeMs);
      if (why) lines.push({ n: i + 1, text, why });
    });
    if (lines.length === 0) continue;
    const whole = loc.script || (loc.dropIn && lines.length === live);
    const entry: PersistenceEntry = {
      kind: loc.kind,
      path: loc.path,
      mode: whole ? 'file' : 'lines',
      lines,
      why: whole ? `whole file: ${lines[0]!.why}` : lines.map((l) => `line ${l.n}: ${l.why}`).join('; '),
      sha256: sha256(file.bytes),
      symlinks: [],
      needsConfirmation: loc.kind === 'authorized_keys',
    };
    if (loc.kind === 'systemd') {
      entry.symlinks = wantsLinks(r, basename(loc.path));
      units.add(loc.path);
    }
    out.push(entry);
  }
  // A timer that fires a matched service goes with it even when the timer itself names nothing.
  for (const unit of units) {
    if (!unit.endsWith('.service')) continue;
    const timer = unit.replace(/\.service$/, '.timer');
    if (units.has(timer)) continue;
    const file = readSmall(`${r}${timer}`);
    if (!file) continue;
    out.push({
      kind: 'systemd',
      path: timer,
      mode: 'file',
      lines: [],
      why: `timer of ${basename(unit)}`,
      sha256: sha256(file.bytes),
      symlinks: wantsLinks(r, basename(timer)),
      needsConfirmation: false,
    });
  }
  return out;
}
