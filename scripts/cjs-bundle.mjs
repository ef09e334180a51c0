// One CommonJS bundle of compiled modules, the way the CLI ships (scripts/bundle-cli.mjs says why CommonJS); the
// benchmarks bundle their measured child processes with it too, so they time the code as shipped.
import { build } from 'esbuild';

// Not the empty objects esbuild puts in CommonJS output: package-root.ts, the addon loaders and the rule pack read
// them. "use strict" first: the compiled modules are ES modules, strict by definition.
const banner = `"use strict";\nvar __mw_import_meta_url = require("node:url").pathToFileURL(__filename).href;`;

/** npm packages stay outside (required from node_modules when first used) but those named; built-ins always do. */
const packagesOutsideBut = (inside) => ({
  name: 'packages-outside',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (a) =>
      inside.some((p) => a.path === p || a.path.startsWith(`${p}/`))
        ? undefined
        : { path: a.path, external: true },
    );
  },
});

/**
 * Bundles `entry` (a file, or `{ contents, resolveDir, name }` for an entry made up on the spot) into `outfile`,
 * with the npm packages of `inside` bundled too.
 */
export function bundleCjs(entry, outfile, inside = []) {
  return build({
    ...(typeof entry === 'string'
      ? { entryPoints: [entry] }
      : {
          stdin: {
            contents: entry.contents,
            resolveDir: entry.resolveDir,
            sourcefile: `${entry.name}-entry.js`,
            loader: 'js',
          },
        }),
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // import() of a built-in (node:zlib, loaded only for a gzip file) becomes a require: bin/minewarden runs the
    // bundle as a vm.Script, which has no module loader for import() on Node 20.
    supported: { 'dynamic-import': false },
    plugins: [packagesOutsideBut(inside)],
    define: { 'import.meta.url': '__mw_import_meta_url', 'import.meta.dirname': '__dirname' },
    banner: { js: banner },
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}
