// Builds the proc connector addon (native/proc_connector.cc) into build/Release/ during `npm ci` / `npm install`.
// The addon is an optional speed-up: without it the exec source polls /proc. So a failed build prints ONE warning,
// keeps the full log in build/native-build.log, and exits 0 so that installing the product never fails because of it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const logPath = join(root, 'build', 'native-build.log');

function warn(why) {
  console.warn(
    `minewarden: warning: the real-time exec event addon was not built (${why}); ` +
      'process events will fall back to /proc polling, which misses short-lived processes.',
  );
  process.exit(0);
}

if (process.platform !== 'linux') warn(`netlink proc events exist only on Linux, not ${process.platform}`);
if (process.env.MINEWARDEN_SKIP_NATIVE === '1') warn('MINEWARDEN_SKIP_NATIVE=1');

let gypBin;
try {
  gypBin = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
} catch {
  warn('node-gyp is not installed');
}

const args = [gypBin, 'rebuild'];
// Build against the headers that came with this Node when they are there, so node-gyp never tries to download them
// (npm passes its own nodedir setting through the environment, which node-gyp reads itself).
if (!process.env.npm_config_nodedir) {
  const prefix = resolve(dirname(process.execPath), '..');
  if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
}

const run = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const log = `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? String(run.error) : ''}`;
try {
  mkdirSync(dirname(logPath), { recursive: true });
  writeFileSync(logPath, log);
} catch {
  // The log is a convenience; a read-only tree must not turn a build result into a failure.
}
const built = join(root, 'build', 'Release', 'proc_connector.node');
if (run.status !== 0 || !existsSync(built)) {
  const lastError = log
    .split('\n')
    .filter((l) => /error/i.test(l) && !/gyp ERR! (cwd|node -v|node-gyp -v|System|command|not ok)/.test(l))
    .slice(0, 1)
    .join('')
    .trim();
  warn(`node-gyp failed${lastError ? `: ${lastError.slice(0, 200)}` : ''}; see ${logPath}`);
}
