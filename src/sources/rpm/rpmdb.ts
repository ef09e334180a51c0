import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MinewardenError, type WarningSink } from '../../model/errors.js';
import { parseRpmHeader, type RpmHeader, RpmHeaderError } from './header.js';

/** Where rpm keeps its database, newest layout first (Fedora 36+/RHEL 10 moved it under /usr). */
const DB_DIRS = ['usr/lib/sysimage/rpm', 'var/lib/rpm'];

export interface RpmPackage extends RpmHeader {
  /** The database row (hnum) it came from, for error messages and evidence. */
  hnum: number;
}

function readRows(file: string): { hnum: number; blob: Buffer }[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').all() as {
      hnum: number;
      blob: Buffer;
    }[];
  } finally {
    db.close();
  }
}

/**
 * Rows of rpmdb.sqlite. rpm keeps it in WAL mode; a read-only open of a WAL database needs its -shm file, which a
 * mounted image may lack, so on failure the database (and its -wal) is read from a private copy.
 */
function readRowsAnyway(file: string): { hnum: number; blob: Buffer }[] {
  try {
    return readRows(file);
  } catch (first) {
    const dir = mkdtempSync(path.join(tmpdir(), 'mw-rpmdb-'));
    try {
      const copy = path.join(dir, 'rpmdb.sqlite');
      copyFileSync(file, copy);
      if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
      return readRows(copy);
    } catch {
      throw new MinewardenError(
        'MW_INPUT_UNREADABLE',
        `cannot read the rpm database: ${(first as Error).message}`,
        {
          file,
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Every package of an rpmdb.sqlite; a damaged header is skipped with a warning naming its row. */
export function readRpmSqlite(file: string, warnings?: WarningSink): RpmPackage[] {
  const out: RpmPackage[] = [];
  for (const row of readRowsAnyway(file)) {
    try {
      out.push({ ...parseRpmHeader(row.blob), hnum: row.hnum });
    } catch (err) {
      if (!(err instanceof RpmHeaderError)) throw err;
      warnings?.add('MW_W_POSTURE_SKIPPED', `rpm header ${row.hnum}: ${err.message}`, `${file}#${row.hnum}`);
    }
  }
  return out;
}

const QUERY_FORMAT = '%{NAME}\\t%{EPOCHNUM}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n';

/** `rpm -qa` output in QUERY_FORMAT. */
export function parseRpmQuery(text: string): RpmPackage[] {
  const out: RpmPackage[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    const f = line.split('\t');
    if (f.length !== 6 || !f[0]) continue;
    const epoch = Number(f[1]);
    out.push({
      name: f[0],
      epoch: epoch > 0 ? epoch : undefined,
      version: f[2]!,
      release: f[3]!,
      arch: f[4] === '(none)' ? undefined : f[4],
      sourceRpm: f[5] === '(none)' ? undefined : f[5],
      hnum: i + 1,
    });
  }
  return out;
}

export interface RpmInventory {
  file: string;
  packages: RpmPackage[];
}

/**
 * The rpm database under `root`: rpmdb.sqlite is read directly; the older Berkeley DB (`Packages`) and SUSE's
 * `Packages.db` go through the rpm binary when this machine has one, else they are reported as not read.
 */
export function readRpmDatabase(root: string, warnings?: WarningSink): RpmInventory | undefined {
  for (const dir of DB_DIRS) {
    const sqlite = path.join(root, dir, 'rpmdb.sqlite');
    if (existsSync(sqlite)) return { file: sqlite, packages: readRpmSqlite(sqlite, warnings) };
    const legacy = ['Packages', 'Packages.db'].map((n) => path.join(root, dir, n)).find((f) => existsSync(f));
    if (!legacy) continue;
    const rpm = ['/usr/bin/rpm', '/bin/rpm'].find((p) => existsSync(p));
    if (!rpm) {
      warnings?.add(
        'MW_W_POSTURE_SKIPPED',
        'rpm database in Berkeley DB/ndb format and no rpm binary to read it',
        legacy,
      );
      return undefined;
    }
    try {
      const text = execFileSync(
        rpm,
        ['--root', path.resolve(root), '--dbpath', `/${dir}`, '-qa', '--queryformat', QUERY_FORMAT],
        { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
      );
      return { file: legacy, packages: parseRpmQuery(text) };
    } catch (err) {
      warnings?.add(
        'MW_W_POSTURE_SKIPPED',
        `rpm -qa failed: ${(err as Error).message.split('\n')[0]}`,
        legacy,
      );
      return undefined;
    }
  }
  return undefined;
}
