// Bundles the compiled CLI (dist/cli/main.js, from tsc) into dist/cli-bundle/ with esbuild: bin/minewarden runs the
// bundle when it is there. One module per command (its dynamic import stays a chunk of its own) instead of the ~60
// modules a command loads from dist/: Node resolves, reads, compiles and links each ES module separately, and for
// a short run (`logs FILE`, `pcap FILE`, `scan`) that start-up is a measurable part of its CPU (bench/logs,
// bench/pcap). npm packages stay outside (loaded from node_modules as before): some are CommonJS that load Node
// built-ins with require(), and the addons are found from the package root (src/util/package-root.ts), not by
// paths relative to a module.
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'cli-bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'dist', 'cli', 'main.js')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
