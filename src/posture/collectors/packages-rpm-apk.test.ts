import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AdvisoryIndex } from '../vulndb/match.js';
import type { Advisory } from '../vulndb/osv.js';
import { readApkInventory, readPackageInventories, readRpmInventory, rpmEcosystem } from './packages.js';

const FIX = path.resolve(import.meta.dirname, '../../../test/fixtures/posture');

/** One OSV-shaped advisory: `ecosystem` `name` affected from 0 until `fixed`. */
const adv = (id: string, ecosystem: string, name: string, fixed: string): Advisory => ({
  id,
  aliases: [],
  summary: id,
  affected: [{ ecosystem, name, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] }],
  references: [],
});

describe('rpm inventory under --root', () => {
  it('names packages as RPM advisories do, scoped to the release from os-release', () => {
    const pkgs = readRpmInventory(path.join(FIX, 'rpm-root'));
    expect(pkgs.map((p) => [p.ecosystem, p.name, p.version, p.binary]).sort()).toEqual([
      ['Rocky Linux:9', 'bash', '5.1.8-6.el9_1', 'bash.noarch'],
      ['Rocky Linux:9', 'openssl-libs', '1:3.0.7-18.el9_2', 'openssl-libs.noarch'],
      ['Rocky Linux:9', 'sudo', '1.9.5p2-9.el9', 'sudo.noarch'],
      ['Rocky Linux:9', 'tzdata', '2023c-1.el9~beta1', 'tzdata.noarch'],
    ]);
  });

  it('maps os-release IDs to OSV ecosystems', () => {
    expect(rpmEcosystem({ id: 'rhel', versionId: '9.3' })).toBe('Red Hat:enterprise_linux:9');
    expect(rpmEcosystem({ id: 'rocky', versionId: '8.9' })).toBe('Rocky Linux:8');
    expect(rpmEcosystem({ id: 'almalinux', versionId: '9.2' })).toBe('AlmaLinux:9');
    expect(rpmEcosystem({ id: 'centos', versionId: '7' })).toBe('minewarden:rpm:centos');
  });

  it('matches advisories by RPM order and release only', () => {
    const pkgs = readPackageInventories(path.join(FIX, 'rpm-root'));
    const index = new AdvisoryIndex([
      adv('RLSA-1', 'Rocky Linux:9', 'openssl-libs', '1:3.0.7-20.el9_2'), // installed is older: affected
      adv('RLSA-2', 'Rocky Linux:9', 'openssl-libs', '1:3.0.7-18.el9_2'), // fixed in what is installed
      adv('RLSA-3', 'Rocky Linux:8', 'sudo', '1.9.5p2-10.el8'), // another release
      adv('RLSA-4', 'Rocky Linux:9', 'sudo', '1.9.5p2-10.el9'), // 9 < 10: affected
      adv('RLSA-5', 'Rocky Linux:9', 'tzdata', '2023c-1.el9'), // ~beta1 sorts before: affected
      adv('RLSA-6', 'Rocky Linux:9', 'bash', '5.1.8'), // a version without release: 5.1.8-6 is not below it
    ]);
    expect(
      index
        .match(pkgs)
        .map((m) => `${m.advisory.id} ${m.pkg.name}`)
        .sort(),
    ).toEqual(['RLSA-1 openssl-libs', 'RLSA-4 sudo', 'RLSA-5 tzdata']);
  });
});

describe('apk inventory under --root', () => {
  it('names packages by origin, one entry per origin and version, scoped to the Alpine release', () => {
    const pkgs = readApkInventory(path.join(FIX, 'apk-root'));
    expect(pkgs.map((p) => [p.ecosystem, p.name, p.version, p.binary])).toEqual([
      ['Alpine:v3.18', 'musl', '1.2.4-r1', 'musl'],
      ['Alpine:v3.18', 'openssl', '3.1.2-r0', 'libcrypto3,libssl3'],
      ['Alpine:v3.18', 'busybox', '1.36.1-r2', 'busybox'],
      ['Alpine:v3.18', 'redis', '7.0.12-r0', 'redis'],
    ]);
    expect(pkgs[1]!.file.endsWith('lib/apk/db/installed')).toBe(true);
  });

  it('matches advisories by apk order and release only', () => {
    const pkgs = readPackageInventories(path.join(FIX, 'apk-root'));
    const index = new AdvisoryIndex([
      adv('ALPINE-1', 'Alpine:v3.18', 'openssl', '3.1.2-r1'), // -r0 < -r1: affected
      adv('ALPINE-2', 'Alpine:v3.17', 'openssl', '3.1.4-r0'), // another release
      adv('ALPINE-3', 'Alpine:v3.18', 'busybox', '1.36.1-r2'), // fixed in what is installed
      adv('ALPINE-4', 'Alpine:v3.18', 'redis', '7.0.12_p1-r0'), // post-release suffix: affected
      adv('ALPINE-5', 'Alpine:v3.18', 'musl', '1.2.4_rc1-r0'), // pre-release is older: not affected
    ]);
    expect(
      index
        .match(pkgs)
        .map((m) => `${m.advisory.id} ${m.pkg.name}`)
        .sort(),
    ).toEqual(['ALPINE-1 openssl', 'ALPINE-4 redis']);
  });

  it('names the file and line of a damaged database', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'mw-apk-'));
    try {
      mkdirSync(path.join(root, 'lib/apk/db'), { recursive: true });
      writeFileSync(path.join(root, 'lib/apk/db/installed'), 'P:a\nV:1.0-r0\n\nP:b\nbroken\n');
      expect(() => readApkInventory(root)).toThrow(
        /installed:5: apk installed database: not a "X:value" line/,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('Red Hat ecosystems carry a repository suffix', () => {
  it('an advisory for "Red Hat:enterprise_linux:9::appstream" applies to RHEL 9 only', () => {
    const pkg = {
      ecosystem: 'Red Hat:enterprise_linux:9',
      name: 'redis',
      version: '6.2.7-1.el9',
      binary: 'redis.x86_64',
      file: '/var/lib/rpm/rpmdb.sqlite',
    };
    const index = new AdvisoryIndex([
      adv('RHSA-1', 'Red Hat:enterprise_linux:9::appstream', 'redis', '6.2.7-2.el9'),
      adv('RHSA-2', 'Red Hat:enterprise_linux:8::appstream', 'redis', '6.2.7-2.el8'),
      adv('RHSA-3', 'Red Hat:enterprise_linux:90::appstream', 'redis', '6.2.7-2.el90'),
    ]);
    expect(index.match([pkg]).map((m) => m.advisory.id)).toEqual(['RHSA-1']);
  });
});
