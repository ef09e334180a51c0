// CPU cost of the netlink exec source alone, as the agent runs it (events pushed into an array, detected later).
// Run as root, after `npx tsc -p tsconfig.build.json`, ideally with a fixed load beside it (bench/exec-feed/load.c:
// `cc -O2 -o /tmp/mw-exec-load bench/exec-feed/load.c && /tmp/mw-exec-load 20 &`).
// Env: SECONDS_RUN (30), HANDOFF_MS (the hand-off delay; default: the source's), ADDON (another build of the addon).
// Prints one JSON line: CPU % of a core for the whole process, the main thread and the addon's reader thread,
// events and process starts per second (from /proc/stat), and µs of CPU per process start.
import { readdirSync, readFileSync } from 'node:fs';
import { openExecSource } from '../../dist/sources/exec/index.js';

const SECONDS = Number(process.env.SECONDS_RUN ?? 30);
const handoff = process.env.HANDOFF_MS ? { handoffMs: Number(process.env.HANDOFF_MS) } : {};
const addon = process.env.ADDON ? { addonPath: process.env.ADDON } : {};

const TICK_MS = 10; // USER_HZ 100
function taskTicks(tid) {
  const s = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}
const forks = () => Number(/^processes (\d+)/m.exec(readFileSync('/proc/stat', 'utf8'))[1]);
const tasks = () => new Set(readdirSync('/proc/self/task'));

const before = tasks();
const src = openExecSource({ hostId: 'bench', ...handoff, ...addon });
const events = [];
let execs = 0;
src.start((e) => {
  if (e.kind === 'exec') execs++;
  events.push(e);
  if (events.length > 10000) events.length = 0;
});
await new Promise((r) => setTimeout(r, 2000));
const reader = [...tasks()].find((t) => !before.has(t));
const main = String(process.pid);
const c0 = process.cpuUsage();
const m0 = taskTicks(main);
const r0 = reader ? taskTicks(reader) : 0;
const f0 = forks();
const e0 = src.status().events;
const x0 = execs;
const t0 = performance.now();
await new Promise((r) => setTimeout(r, SECONDS * 1000));
const wall = (performance.now() - t0) / 1000;
const c = process.cpuUsage(c0);
const total = (c.user + c.system) / 1e3;
const starts = forks() - f0;
const pct = (ms) => Number(((100 * ms) / (wall * 1000)).toFixed(3));
console.log(
  JSON.stringify({
    mode: src.status().mode,
    addon: addon.addonPath ?? 'built',
    handoffMs: handoff.handoffMs ?? 'default',
    seconds: Number(wall.toFixed(1)),
    cpuPct: pct(total),
    mainPct: pct((taskTicks(main) - m0) * TICK_MS),
    readerPct: reader ? pct((taskTicks(reader) - r0) * TICK_MS) : null,
    startsPerS: Number((starts / wall).toFixed(1)),
    execsPerS: Number(((execs - x0) / wall).toFixed(1)),
    eventsPerS: Number(((src.status().events - e0) / wall).toFixed(1)),
    usPerStart: Math.round((total * 1000) / starts),
    dropped: src.status().dropped,
    overruns: src.status().kernelOverruns,
    load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  }),
);
await src.stop();
