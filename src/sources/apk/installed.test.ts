import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApkDbError, parseApkInstalled } from './installed.js';

const FILE = path.resolve(
  import.meta.dirname,
  '../../../test/fixtures/posture/apk-root/lib/apk/db/installed',
);

describe("apk's installed database", () => {
  it('reads name, version, arch and origin of every stanza, with its line', () => {
    const pkgs = parseApkInstalled(readFileSync(FILE, 'utf8'));
    expect(pkgs.map((p) => [p.name, p.version, p.arch, p.origin, p.line])).toEqual([
      ['musl', '1.2.4-r1', 'x86_64', 'musl', 1],
      ['libcrypto3', '3.1.2-r0', 'x86_64', 'openssl', 23],
      ['libssl3', '3.1.2-r0', 'x86_64', 'openssl', 43],
      ['busybox', '1.36.1-r2', 'x86_64', 'busybox', 63],
      ['redis', '7.0.12-r0', 'x86_64', 'redis', 82],
    ]);
  });

  it('accepts a database without a trailing blank line and with CRLF', () => {
    expect(parseApkInstalled('P:a\r\nV:1.0-r0\r\n\r\nP:b\nV:2.0-r1')).toMatchObject([
      { name: 'a', version: '1.0-r0', line: 1 },
      { name: 'b', version: '2.0-r1', line: 4 },
    ]);
    expect(parseApkInstalled('')).toEqual([]);
  });

  it('names the line of what it cannot read', () => {
    expect(() => parseApkInstalled('P:a\nV:1.0-r0\n\nP:b\nA:x86_64\n')).toThrow(/without V: field/);
    try {
      parseApkInstalled('P:a\nV:1\n\nnot a field\n');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ApkDbError);
      expect((err as ApkDbError).line).toBe(4);
    }
  });
});
