import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** CLI tests run the built binary; `npm test` builds first, a bare `vitest` run builds here if dist/ is missing. */
export default function setup(): void {
  const root = resolve(import.meta.dirname, '..');
  if (!existsSync(resolve(root, 'dist/cli/main.js'))) {
    execFileSync(
      process.execPath,
      [resolve(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      { cwd: root, stdio: 'inherit' },
    );
  }
}
