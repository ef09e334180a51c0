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
