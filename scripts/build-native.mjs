// Builds the native addons into build/Release/ during `npm ci` / `npm install`:
//   proc_connector (native/proc_connector.cc): real-time exec events; without it the exec source polls /proc.
//   pcap_walk (native/pcap_walk.cc): the packet walk of capture files; without it `pcap` walks packets in JS.
//   procfs_read (native/procfs_read.cc): per-process /proc reads of a scan; without it they go through node:fs.
//   authlog_walk (native/authlog_walk.cc): the line walk of `logs FILE`; without it the lines are read in JS.
//   mem_trim (native/mem_trim.cc): drops untouched start-up pages of the node binary; without it RSS stays higher.
// All are optional speed-ups. Each target is built on its own, so one that fails leaves the other; a failure prints
// ONE warning naming what is lost, keeps the full log in build/native-build.log, and the script exits 0 so that
// installing the product never fails because of it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const logPath = join(root, 'build', 'native-build.log');

const TARGETS = [
  {
    name: 'proc_connector',
    what: 'the real-time exec event addon',
    loss: 'process events will fall back to /proc polling, which misses short-lived processes',
  },
  {
    name: 'pcap_walk',
    what: 'the native capture walk addon',
    loss: 'capture files will be walked in JavaScript, which takes more CPU',
  },
  {
    name: 'procfs_read',
    what: 'the native /proc reader addon',
    loss: 'scans will read /proc through Node, which takes about twice the time',
  },
  {
    name: 'authlog_walk',
    what: 'the native auth-log line walk addon',
    loss: 'auth logs will be read in JavaScript, which takes more CPU',
  },
  {
    name: 'mem_trim',
    what: 'the memory trim addon',
    loss: 'the agent and scans will keep start-up pages of the node binary resident (about 20 MB more RSS)',
  },
];

function warn(target, why) {
  console.warn(`minewarden: warning: ${target.what} was not built (${why}); ${target.loss}.`);
}

function warnAll(why) {
  for (const t of TARGETS) warn(t, why);
  process.exit(0);
}

if (process.platform !== 'linux') warnAll(`the addons are built for Linux only, not ${process.platform}`);
if (process.env.MINEWARDEN_SKIP_NATIVE === '1') warnAll('MINEWARDEN_SKIP_NATIVE=1');

let gypBin;
try {
  gypBin = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
} catch {
  warnAll('node-gyp is not installed');
}

const common = [];
// Build against the headers that came with this Node when they are there, so node-gyp never tries to download them
// (npm passes its own nodedir setting through the environment, which node-gyp reads itself).
if (!process.env.npm_config_nodedir) {
  const prefix = resolve(dirname(process.execPath), '..');
  if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) common.push(`--nodedir=${prefix}`);
}

let log = '';
function gyp(args) {
  const run = spawnSync(process.execPath, [gypBin, ...args, ...common], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  log += `$ node-gyp ${args.join(' ')}\n${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? String(run.error) : ''}\n`;
  return run.status === 0;
}

function firstError(text) {
  return text
    .split('\n')
    .filter((l) => /error/i.test(l) && !/gyp ERR! (cwd|node -v|node-gyp -v|System|command|not ok)/.test(l))
    .slice(0, 1)
    .join('')
    .trim();
}

function saveLog() {
  try {
    mkdirSync(dirname(logPath), { recursive: true });
    writeFileSync(logPath, log);
  } catch {
    // The log is a convenience; a read-only tree must not turn a build result into a failure.
  }
}

const configured = gyp(['clean']) && gyp(['configure']);
for (const target of TARGETS) {
  const built = join(root, 'build', 'Release', `${target.name}.node`);
  const before = log.length;
  if (!configured) {
    const why = firstError(log);
    warn(target, `node-gyp configure failed${why ? `: ${why.slice(0, 200)}` : ''}; see ${logPath}`);
    continue;
  }
  if (!gyp(['build', target.name]) || !existsSync(built)) {
    const lastError = firstError(log.slice(before));
    warn(target, `node-gyp failed${lastError ? `: ${lastError.slice(0, 200)}` : ''}; see ${logPath}`);
  }
}
saveLog();
