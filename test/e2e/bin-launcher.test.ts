import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, REPO_ROOT, runCli } from '../helpers/cli.js';

/** bin/minewarden in a package of its own whose builds only say which one ran. */
function fakePackage(): {
  root: string;
  run(...args: string[]): string;
  touch(file: string, secondsAgo: number): void;
} {
  const root = mkdtempSync(join(tmpdir(), 'mw-bin-'));
  mkdirSync(join(root, 'bin'));
  mkdirSync(join(root, 'dist/cli'), { recursive: true });
  mkdirSync(join(root, 'dist/cli-bundle'), { recursive: true });
  copyFileSync(BIN, join(root, 'bin/minewarden'));
  copyFileSync(join(REPO_ROOT, 'bin/package.json'), join(root, 'bin/package.json'));
  writeFileSync(join(root, 'package.json'), '{"type":"module"}');
  writeFileSync(join(root, 'dist/cli/main.js'), "process.stdout.write('modules');\n");
  writeFileSync(join(root, 'dist/cli-bundle/all.cjs'), "process.stdout.write('all');\n");
  writeFileSync(join(root, 'dist/cli-bundle/logs.cjs'), "process.stdout.write('logs');\n");
  return {
    root,
    run: (...args) =>
      execFileSync(process.execPath, [join(root, 'bin/minewarden'), ...args], { encoding: 'utf8' }),
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

  it('is given a bundle per command and one of them all by the build, as new as the compiled modules', () => {
    const index = readFileSync(join(REPO_ROOT, 'dist/cli/commands/index.js'), 'utf8');
    const names = [...index.matchAll(/\bname: '([a-z0-9-]+)'/g)].map((m) => m[1]);
    expect(names).toContain('logs');
    const main = statSync(join(REPO_ROOT, 'dist/cli/main.js')).mtimeMs;
    for (const name of [...names, 'all']) {
      const bundle = join(REPO_ROOT, `dist/cli-bundle/${name}.cjs`);
      expect(existsSync(bundle), bundle).toBe(true);
      expect(statSync(bundle).mtimeMs).toBeGreaterThanOrEqual(main);
    }
  });

  it("runs the command's bundle, all.cjs for anything else, while they are at least as new as the modules", () => {
    const p = fakePackage();
    made.push(p.root);
    p.touch('dist/cli/main.js', 60);
    p.touch('dist/cli-bundle/logs.cjs', 10);
    p.touch('dist/cli-bundle/all.cjs', 10);
    expect(p.run('logs', 'x.log')).toBe('logs');
    expect(p.run('--json', 'logs')).toBe('logs');
    expect(p.run('pcap', 'x.pcap')).toBe('all');
    expect(p.run('--help')).toBe('all');
    // Not a name a bundle could have: never a path.
    expect(p.run('../cli/main')).toBe('all');
    // A tsc run after the last bundle: the older bundle must not shadow it.
    p.touch('dist/cli/main.js', 5);
    expect(p.run('logs')).toBe('modules');
    expect(p.run('--help')).toBe('modules');
    rmSync(join(p.root, 'dist/cli-bundle'), { recursive: true });
    expect(p.run('logs')).toBe('modules');
  });

  it("keeps V8's code cache beside the bundle, and runs right with a damaged one", () => {
    const p = fakePackage();
    made.push(p.root);
    const bundleDir = join(p.root, 'dist/cli-bundle');
    writeFileSync(
      join(bundleDir, 'logs.cjs'),
      "const { sep } = require('node:path'); process.stdout.write(['logs', typeof sep, __filename.endsWith('logs.cjs')].join(' '));\n",
    );
    p.touch('dist/cli/main.js', 60);
    const caches = () => readdirSync(bundleDir).filter((f) => f.endsWith('.cache'));
    expect(caches()).toEqual([]);
    expect(p.run('logs')).toBe('logs string true');
    const [cache] = caches();
    expect(cache).toMatch(/^\.logs\.cjs-\d+-\d+-v\d+\.\d+\.\d+-\w+-\w+\.cache$/);
    expect(statSync(join(bundleDir, cache as string)).size).toBeGreaterThan(0);
    expect(p.run('logs')).toBe('logs string true');
    expect(caches()).toEqual([cache]);
    // Garbage under the right name: V8 rejects it, the bundle runs compiled from its source.
    writeFileSync(join(bundleDir, cache as string), Buffer.alloc(4096, 0x5a));
    expect(p.run('logs')).toBe('logs string true');
    // A changed bundle (new size and time) gets a cache of its own.
    writeFileSync(join(bundleDir, 'logs.cjs'), "process.stdout.write('logs v2');\n");
    expect(p.run('logs')).toBe('logs v2');
    expect(caches()).toHaveLength(2);
  });

  it('gives the same answers from a bundle as from the compiled modules', async () => {
    const log = join(REPO_ROOT, '../shared/data/sshlogs/loghub/OpenSSH/OpenSSH_2k.log');
    const bundled = await runCli(['logs', log, '--format', 'json', '--host-id', 'h']);
    expect(bundled.code).toBe(1);
    const modules = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'dist/cli/main.js'), 'logs', log, '--format', 'json', '--host-id', 'h'],
      { encoding: 'utf8' },
    );
    expect(modules.status).toBe(1);
    expect(bundled.stdout).toBe(modules.stdout);
    expect(JSON.parse(bundled.stdout).findings.length).toBeGreaterThan(0);
  });
});
