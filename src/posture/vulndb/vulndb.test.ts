import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { WarningSink } from '../../model/errors.js';
import { emptyAssets } from '../assets.js';
import { VULNERABILITY_CHECKS } from '../checks/vulnerabilities.js';
import { findTarballInstalls, parseDpkgStatus } from '../collectors/packages.js';
import { runChecks } from '../run.js';
import { openAdvisoryIndex } from './db.js';
import { importIntoDb } from './import-db.js';

const FIX = path.resolve(import.meta.dirname, '../../../test/fixtures/posture');
const tmp = mkdtempSync(path.join(tmpdir(), 'mw-vulndb-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const dpkg = () => {
  const text = readFileSync(path.join(FIX, 'dpkg/status'), 'utf8');
  return parseDpkgStatus(text, 'status', 'Debian:12');
};

describe('dpkg inventory', () => {
  it('reads installed packages by source name and source version, with lines', () => {
    const pkgs = dpkg();
    expect(pkgs.map((p) => [p.name, p.version, p.binary])).toEqual([
      ['glibc', '2.36-9+deb12u2', 'libc6,libc-bin'],
      ['redis', '5:7.0.15-1~deb12u1', 'redis-server'],
      ['zlib', '1:1.2.13.dfsg-1', 'zlib1g'],
    ]);
    expect(pkgs[0]!.line).toBe(1);
  });
});

describe('matching with the built-in set (no import)', () => {
  it('flags glibc before 2.36-9+deb12u3 on Debian 12 (Looney Tunables, used by Kinsing), not redis', () => {
    const { index } = openAdvisoryIndex(undefined);
    const m = index.match(dpkg());
    expect(m.map((x) => [x.pkg.name, x.cve, x.fixed])).toEqual([
      ['glibc', 'CVE-2023-4911', '2.36-9+deb12u3'],
    ]);
    expect(m[0]!.miningGroups).toEqual(['Kinsing']);
    const f = runChecks(
      { ...emptyAssets(), vulns: m },
      VULNERABILITY_CHECKS,
      { id: 'h', name: 'h' },
      '2026-01-01T00:00:00Z',
    );
    expect(f[0]).toMatchObject({ category: 'vulnerability', severity: 'high', entity: { kind: 'package' } });
  });

  it('a release-scoped advisory does not apply to another release', () => {
    const { index } = openAdvisoryIndex(undefined);
    const on11 = dpkg().map((p) => ({ ...p, ecosystem: 'Debian:11' }));
    // On Debian 11 the fix is 2.31-13+deb11u7; 2.36-9+deb12u2 is above it.
    expect(index.match(on11)).toEqual([]);
  });

  it('finds tarball installs by their files (Confluence, Log4j)', () => {
    const root = path.join(tmp, 'root');
    mkdirSync(path.join(root, 'opt/atlassian/confluence/confluence/WEB-INF/lib'), { recursive: true });
    writeFileSync(
      path.join(root, 'opt/atlassian/confluence/confluence/WEB-INF/lib/confluence-7.13.6.jar'),
      '',
    );
    mkdirSync(path.join(root, 'srv/app/lib'), { recursive: true });
    writeFileSync(path.join(root, 'srv/app/lib/log4j-core-2.14.1.jar'), '');
    writeFileSync(path.join(root, 'srv/app/lib/log4j-core-2.17.1.jar'), '');
    const pkgs = findTarballInstalls(root);
    const m = openAdvisoryIndex(undefined).index.match(pkgs);
    expect(m.map((x) => `${x.pkg.name} ${x.pkg.version} ${x.cve} -> ${x.fixed}`).sort()).toEqual([
      'confluence 7.13.6 CVE-2022-26134 -> 7.13.7',
      'org.apache.logging.log4j:log4j-core 2.14.1 CVE-2021-44228 -> 2.15.0',
    ]);
  });
});

describe('vulndb import (OSV per-ecosystem layout, zip, KEV)', () => {
  const osv = (id: string, eco: string, name: string, fixed: string, extra: object = {}) => ({
    schema_version: '1.6.0',
    id,
    modified: '2024-01-01T00:00:00Z',
    aliases: [id.replace(/^DEBIAN-/, '')],
    summary: `${name} issue`,
    affected: [
      {
        package: { ecosystem: eco, name },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
      },
    ],
    ...extra,
  });

  it('imports a directory and a zip, skips bad records with a warning, and reads KEV', () => {
    const dir = path.join(tmp, 'osv/Debian');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'DEBIAN-CVE-2099-0001.json'),
      JSON.stringify(osv('DEBIAN-CVE-2099-0001', 'Debian:12', 'zlib', '1:1.2.13.dfsg-2')),
    );
    writeFileSync(path.join(dir, 'broken.json'), '{"id": ');
    writeFileSync(
      path.join(dir, 'bad-event.json'),
      JSON.stringify(
        osv('X-1', 'Debian:12', 'zlib', '1', {
          affected: [
            {
              package: { ecosystem: 'Debian:12', name: 'zlib' },
              ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0', fixed: '1' }] }],
            },
          ],
        }),
      ),
    );
    writeFileSync(
      path.join(dir, 'withdrawn.json'),
      JSON.stringify(
        osv('DEBIAN-CVE-2099-0003', 'Debian:12', 'redis', '9:9', { withdrawn: '2024-02-01T00:00:00Z' }),
      ),
    );
    const zip = path.join(tmp, 'all.zip');
    writeFileSync(
      zip,
      zipSync({
        'DEBIAN-CVE-2099-0002.json': strToU8(
          JSON.stringify(osv('DEBIAN-CVE-2099-0002', 'Debian:12', 'redis', '5:7.0.15-1~deb12u3')),
        ),
      }),
    );
    const kev = path.join(tmp, 'kev.json');
    writeFileSync(
      kev,
      JSON.stringify({
        catalogVersion: '2024.01.01',
        vulnerabilities: [
          { cveID: 'CVE-2099-0002', dateAdded: '2024-01-02', knownRansomwareCampaignUse: 'Unknown' },
        ],
      }),
    );

    const db = path.join(tmp, 'db');
    const w = new WarningSink();
    const a = importIntoDb(db, path.join(tmp, 'osv'), new Date('2024-03-01T00:00:00Z'), w);
    expect(a).toMatchObject({ added: 1, skipped: 2 });
    expect(w.items.map((x) => x.code)).toEqual(['MW_W_VULNDB_SKIPPED', 'MW_W_VULNDB_SKIPPED']);
    expect(importIntoDb(db, zip, new Date(), w)).toMatchObject({ added: 1, total: 2 });
    expect(importIntoDb(db, kev, new Date(), w)).toMatchObject({ kev: 1, total: 2 });

    const { index, imported } = openAdvisoryIndex(db);
    expect(imported).toBe(2);
    const m = index.match(dpkg());
    const byCve = Object.fromEntries(m.map((x) => [x.cve, x]));
    expect(Object.keys(byCve).sort()).toEqual(['CVE-2023-4911', 'CVE-2099-0001', 'CVE-2099-0002']);
    expect(byCve['CVE-2099-0002']!.kev).toEqual({ dateAdded: '2024-01-02', ransomware: false });
    expect(byCve['CVE-2099-0001']!.fixed).toBe('1:1.2.13.dfsg-2');
  });

  it('fails clearly on a missing source or a broken zip', () => {
    expect(() => importIntoDb(path.join(tmp, 'db2'), path.join(tmp, 'nope'), new Date())).toThrow(
      /MW|no such file/,
    );
    const bad = path.join(tmp, 'bad.zip');
    writeFileSync(bad, 'PK\u0003\u0004 not really a zip');
    expect(() => importIntoDb(path.join(tmp, 'db2'), bad, new Date())).toThrow(/not a readable zip/);
  });
});
