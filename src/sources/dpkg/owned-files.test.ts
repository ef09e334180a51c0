import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WarningSink } from '../../model/errors.js';
import { readDpkgOwnership } from './owned-files.js';

const root = mkdtempSync(join(tmpdir(), 'mw-dpkg-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('readDpkgOwnership', () => {
  it('maps files to packages from info/*.list, across the /usr merge and multiarch names', () => {
    const info = join(root, 'var/lib/dpkg/info');
    mkdirSync(info, { recursive: true });
    writeFileSync(join(info, 'coreutils.list'), '/.\n/bin\n/bin/sleep\n/usr/share/doc/coreutils\n');
    writeFileSync(join(info, 'libc6:amd64.list'), '/.\n/usr/lib/x86_64-linux-gnu/libc.so.6\n');
    writeFileSync(join(info, 'coreutils.md5sums'), 'abc  bin/sleep\n');
    const own = readDpkgOwnership(root);
    expect(own.available).toBe(true);
    expect(own.ownerOf('/bin/sleep')).toBe('coreutils');
    expect(own.ownerOf('/usr/bin/sleep')).toBe('coreutils');
    expect(own.ownerOf('/lib/x86_64-linux-gnu/libc.so.6')).toBe('libc6');
    expect(own.ownerOf('/tmp/sleep')).toBeUndefined();
    expect(own.ownerOf('/.')).toBeUndefined();
  });

  it('says unknown when there is no database, and survives garbage lines', () => {
    const empty = mkdtempSync(join(tmpdir(), 'mw-dpkg-none-'));
    expect(readDpkgOwnership(empty).available).toBe(false);
    rmSync(empty, { recursive: true });
    const info = join(root, 'var/lib/dpkg/info');
    writeFileSync(join(info, 'junk.list'), '\u0000\u0001 not a path\n\n/usr/bin/junk\n');
    const sink = new WarningSink();
    expect(readDpkgOwnership(root, sink).ownerOf('/usr/bin/junk')).toBe('junk');
  });
});

describe('readDpkgOwnership on many paths', () => {
  it('answers like a map of every listed path, first list by name wins, and never owns an unlisted path', () => {
    const big = mkdtempSync(join(tmpdir(), 'mw-dpkg-big-'));
    try {
      const info = join(big, 'var/lib/dpkg/info');
      mkdirSync(info, { recursive: true });
      const expected = new Map<string, string>();
      for (let p = 0; p < 40; p++) {
        const pkg = `pkg${String(p).padStart(2, '0')}`;
        const lines = ['/.', '/usr', '/usr/share'];
        for (let f = 0; f < 500; f++) lines.push(`/usr/share/${pkg}/file-${f}`);
        // A path two packages list: the first by name keeps it.
        lines.push(`/usr/bin/shared-${p % 10}`);
        writeFileSync(join(info, `${pkg}.list`), `${lines.join('\n')}\n`);
        for (const l of lines.slice(1)) if (!expected.has(l)) expected.set(l, pkg);
      }
      const own = readDpkgOwnership(big);
      for (const [path, pkg] of expected) expect(own.ownerOf(path), path).toBe(pkg);
      for (let f = 0; f < 2000; f++) expect(own.ownerOf(`/usr/share/pkg00/other-${f}`)).toBeUndefined();
      expect(own.ownerOf('/usr/share/pkg00/file-1/')).toBeUndefined();
      expect(own.ownerOf('/usr/share/pkg00/file-')).toBeUndefined();
    } finally {
      rmSync(big, { recursive: true, force: true });
    }
  });
});
