import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findPackageRoot, PACKAGE_ROOT, packagePath } from './package-root.js';

describe('package root', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-root-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is the repository root from src/ (and so from dist/ and dist/cli-bundle/ at their depths)', () => {
    expect(PACKAGE_ROOT).toBe(resolve(import.meta.dirname, '../..'));
    expect(packagePath('package.json')).toBe(join(PACKAGE_ROOT, 'package.json'));
  });

  it('is the nearest directory holding a package.json, at any depth below it', () => {
    writeFileSync(join(dir, 'package.json'), '{}');
    for (const sub of ['a', 'a/b', 'a/b/c/d']) {
      mkdirSync(join(dir, sub), { recursive: true });
      expect(findPackageRoot(join(dir, sub))).toBe(dir);
    }
    mkdirSync(join(dir, 'a/inner'), { recursive: true });
    writeFileSync(join(dir, 'a/inner/package.json'), '{}');
    expect(findPackageRoot(join(dir, 'a/inner'))).toBe(join(dir, 'a/inner'));
  });
});
