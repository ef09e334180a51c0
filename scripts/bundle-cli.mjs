// Bundles the compiled CLI (dist/cli/, from tsc) into dist/cli-bundle/ with esbuild: one CommonJS file per command
// (`logs.cjs` holds the program and the `logs` command only), plus `all.cjs` with every command for help, unknown
// commands and --version. bin/minewarden runs the one the command line names when it is there and at least as new
// as dist/cli/main.js.
//
// Why CommonJS, one file per command: for a short run (`logs FILE`, `pcap FILE`, `scan`) start-up is a measurable
// part of its CPU (bench/logs, bench/pcap). Node 20's ES module loader resolves, reads, compiles and links each
// module separately, and its facade of a built-in (node:fs) reads every lazy export, loading streams, fs/promises
// and readline whether they are used or not; a single CommonJS file has none of that, and its modules meet in one
// scope, where V8 also runs the hot loops faster than across module bindings (bench/logs: 12% less CPU for 1M
// lines than the earlier ESM bundle with a chunk per command). One file per command because V8 parses a whole
// file at load: a file with every command costs ~35 ms more to start.
//
// npm packages stay outside (required from node_modules when first used). The addons are found from the package
// root (src/util/package-root.ts), not by paths relative to a module.
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleCjs } from './cjs-bundle.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cliDir = join(root, 'dist', 'cli');
const outdir = join(root, 'dist', 'cli-bundle');

/** The commands of dist/cli/commands/index.js: each entry's name, module and register function. */
function commands() {
  const text = readFileSync(join(cliDir, 'commands', 'index.js'), 'utf8');
  const entry =
    /\{\s*name:\s*'([a-z][a-z0-9-]*)',\s*load:[^}]*import\('\.\/([a-z0-9-]+\.js)'\)\)\.(\w+)\s*\}/g;
  const found = [...text.matchAll(entry)].map(([, name, file, register]) => ({ name, file, register }));
  const listed = (text.match(/\bname:\s*'/g) ?? []).length;
  if (found.length === 0 || found.length !== listed)
    throw new Error(
      `scripts/bundle-cli.mjs: read ${found.length} of the ${listed} entries of dist/cli/commands/index.js; ` +
        'each must be `{ name: "x", load: async () => (await import("./x.js")).registerX }`',
    );
  return found;
}

/** commander is bundled: every command loads it at once, and bundled it costs no package resolution. */
const bundle = (name, contents) =>
  bundleCjs({ contents, resolveDir: cliDir, name }, join(outdir, `${name}.cjs`), ['commander']);

rmSync(outdir, { recursive: true, force: true });
const list = commands();
await Promise.all([
  ...list.map(({ name, file, register }) =>
    bundle(
      name,
      `import { runCli } from './run.js';\nimport { ${register} } from './commands/${file}';\n` +
        `void runCli(process.argv, [{ name: ${JSON.stringify(name)}, load: async () => ${register} }]);\n`,
    ),
  ),
  bundle(
    'all',
    "import { runCli } from './run.js';\nimport { COMMANDS } from './commands/index.js';\n" +
      'void runCli(process.argv, COMMANDS);\n',
  ),
]);
