import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { WarningSink } from '../../model/errors.js';
import { evrOf, parseRpmHeader, sourceName } from './header.js';
import { parseRpmQuery, readRpmDatabase, readRpmSqlite } from './rpmdb.js';

const ROOT = path.resolve(import.meta.dirname, '../../../test/fixtures/posture/rpm-root');
const DB = path.join(ROOT, 'var/lib/rpm/rpmdb.sqlite');
const tmp = mkdtempSync(path.join(tmpdir(), 'mw-rpmdb-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('rpm database (rpmdb.sqlite, header blobs)', () => {
  it('reads name, epoch, version, release, arch and source rpm of every package', () => {
    const pkgs = readRpmSqlite(DB).map((p) => [p.name, evrOf(p), p.arch, sourceName(p.sourceRpm)]);
    expect(pkgs.sort()).toEqual([
      ['bash', '5.1.8-6.el9_1', 'noarch', 'bash'],
      ['openssl-libs', '1:3.0.7-18.el9_2', 'noarch', 'openssl-libs'],
      ['sudo', '1.9.5p2-9.el9', 'noarch', 'sudo'],
      ['tzdata', '2023c-1.el9~beta1', 'noarch', 'tzdata'],
    ]);
  });

  it('finds the database under --root, in /var/lib/rpm or /usr/lib/sysimage/rpm', () => {
    expect(readRpmDatabase(ROOT)?.packages).toHaveLength(4);
    const moved = path.join(tmp, 'fedora');
    mkdirSync(path.join(moved, 'usr/lib/sysimage/rpm'), { recursive: true });
    copyFileSync(DB, path.join(moved, 'usr/lib/sysimage/rpm/rpmdb.sqlite'));
    expect(readRpmDatabase(moved)?.file).toBe(path.join(moved, 'usr/lib/sysimage/rpm/rpmdb.sqlite'));
    expect(readRpmDatabase(path.join(tmp, 'nothing'))).toBeUndefined();
  });

  it.skipIf(!existsSync('/usr/bin/rpm') && process.env.MINEWARDEN_REQUIRE_SERVICES !== '1')(
    'agrees with rpm -qa on the same database',
    () => {
      const root = path.join(tmp, 'rpm-qa');
      mkdirSync(path.join(root, 'var/lib/rpm'), { recursive: true });
      copyFileSync(DB, path.join(root, 'var/lib/rpm/rpmdb.sqlite'));
      const r = spawnSync(
        '/usr/bin/rpm',
        [
          '--root',
          root,
          '--define',
          '_db_backend sqlite',
          '--define',
          '_dbpath /var/lib/rpm',
          '-qa',
          '--queryformat',
          '%|EPOCH?{%{EPOCH}:}:{}|%{NAME} %{VERSION}-%{RELEASE}\\n',
        ],
        { encoding: 'utf8' },
      );
      expect(r.status).toBe(0);
      const theirs = r.stdout
        .trim()
        .split('\n')
        .map((l) => {
          const m = /^(?:(\d+):)?(\S+) (\S+)$/.exec(l)!;
          return `${m[2]} ${m[1] ? `${m[1]}:` : ''}${m[3]}`;
        });
      const ours = readRpmSqlite(DB).map((p) => `${p.name} ${evrOf(p)}`);
      expect(ours.sort()).toEqual(theirs.sort());
    },
  );

  it('skips a damaged header with a warning naming the row, and keeps the others', () => {
    const file = path.join(tmp, 'damaged.sqlite');
    copyFileSync(DB, file);
    const db = new Database(file);
    const blob = db.prepare('SELECT blob FROM Packages WHERE hnum = 2').pluck().get() as Buffer;
    db.prepare('UPDATE Packages SET blob = ? WHERE hnum = 2').run(blob.subarray(0, 100));
    db.close();
    const w = new WarningSink();
    expect(readRpmSqlite(file, w)).toHaveLength(3);
    expect(w.items).toHaveLength(1);
    expect(w.items[0]).toMatchObject({ code: 'MW_W_POSTURE_SKIPPED', path: `${file}#2` });
    expect(w.items[0]!.message).toMatch(/header claims \d+ bytes, blob has 100/);
  });

  it('reads rpm -qa output (the path for Berkeley DB and ndb databases)', () => {
    const out =
      'openssl-libs\t1\t3.0.7\t18.el9_2\tx86_64\topenssl-3.0.7-18.el9_2.src.rpm\n' +
      'gpg-pubkey\t0\tfd431d51\t4ae0493b\t(none)\t(none)\nnot a row\n';
    expect(parseRpmQuery(out).map((p) => [p.name, evrOf(p), p.arch, sourceName(p.sourceRpm)])).toEqual([
      ['openssl-libs', '1:3.0.7-18.el9_2', 'x86_64', 'openssl'],
      ['gpg-pubkey', 'fd431d51-4ae0493b', undefined, undefined],
    ]);
  });

  it('rejects blobs that are not headers', () => {
    expect(() => parseRpmHeader(new Uint8Array(4))).toThrow(/shorter than 8 bytes/);
    expect(() => parseRpmHeader(new Uint8Array(8))).toThrow(/implausible header/);
    const bogus = new Uint8Array(8 + 16 + 4);
    const v = new DataView(bogus.buffer);
    v.setUint32(0, 1);
    v.setUint32(4, 4);
    v.setUint32(8, 1000); // NAME
    v.setUint32(12, 6); // STRING
    v.setUint32(16, 9); // offset past the 4-byte data store
    expect(() => parseRpmHeader(bogus)).toThrow(/outside the data store/);
  });
});
