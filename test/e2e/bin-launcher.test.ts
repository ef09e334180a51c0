import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, REPO_ROOT } from '../helpers/cli.js';

/** bin/minewarden in a package of its own whose two builds only say which one ran. */
function fakePackage(): { root: string; run(): string; touch(file: string, secondsAgo: number): void } {
  const root = mkdtempSync(join(tmpdir(), 'mw-bin-'));
  mkdirSync(join(root, 'bin'));
  mkdirSync(join(root, 'dist/cli'), { recursive: true });
  mkdirSync(join(root, 'dist/cli-bundle'), { recursive: true });
  copyFileSync(BIN, join(root, 'bin/minewarden'));
  writeFileSync(join(root, 'package.json'), '{"type":"module"}');
  writeFileSync(join(root, 'dist/cli/main.js'), "process.stdout.write('modules');\n");
  writeFileSync(join(root, 'dist/cli-bundle/main.js'), "process.stdout.write('bundle');\n");
  return {
    root,
    run: () => execFileSync(process.execPath, [join(root, 'bin/minewarden')], { encoding: 'utf8' }),
    touch(file, secondsAgo) {
      const t = Date.now() / 1000 - secondsAgo;
      utimesSync(join(root, file), t, t);
    },
  };
}

describe('bin/minewarden', () => {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  it('is given a bundle by the build (npm test builds first), as new as the compiled modules', () => {
    const bundle = join(REPO_ROOT, 'dist/cli-bundle/main.js');
    expect(existsSync(bundle)).toBe(true);
    expect(statSync(bundle).mtimeMs).toBeGreaterThanOrEqual(
      statSync(join(REPO_ROOT, 'dist/cli/main.js')).mtimeMs,
    );
  });

  it('runs the bundle when it is at least as new as the compiled modules, else the modules', () => {
    const p = fakePackage();
    made.push(p.root);
    p.touch('dist/cli/main.js', 60);
    p.touch('dist/cli-bundle/main.js', 10);
    expect(p.run()).toBe('bundle');
    // A tsc run after the last bundle: the older bundle must not shadow it.
    p.touch('dist/cli/main.js', 5);
    expect(p.run()).toBe('modules');
    rmSync(join(p.root, 'dist/cli-bundle'), { recursive: true });
    expect(p.run()).toBe('modules');
  });
});
