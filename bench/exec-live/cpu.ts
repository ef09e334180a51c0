// CPU of the agent's exec feed with its events detected live (src/agent/exec-live.ts) against the way before: events
// kept in a buffer and detected with the next scan. Both run the netlink source as the agent does (1 s hand-off) and
// the scan's full detector set; "buffer" detects its events every SCAN_S like the scan did, "live" as they arrive.
// The two alternate in windows of WINDOW_S seconds so machine load falls on both alike. Run as root:
//   cc -O2 -o /tmp/mw-exec-load bench/exec-feed/load.c && /tmp/mw-exec-load 2 &
//   node --import tsx bench/exec-live/cpu.ts
// Env: WINDOWS (6), WINDOW_S (30), SCAN_S (10). Prints one JSON line per window and a summary; CPU is this
// process's own (process.cpuUsage), process starts are the whole machine's (/proc/stat); detectUsPerExec is the
// time spent detecting per exec, live or at the stand-in scans (what an exec adds to the agent, the source aside).
import { readFileSync } from 'node:fs';
import { ExecLiveDetection } from '../../src/agent/exec-live.js';
import { DetectionEngine } from '../../src/detect/engine.js';
import type { TelemetryEvent } from '../../src/model/event.js';
import { BuiltinDetectorSet } from '../../src/scan/detector-set.js';
import { openExecSource } from '../../src/sources/exec/index.js';

const WINDOWS = Number(process.env.WINDOWS ?? 6);
const WINDOW_S = Number(process.env.WINDOW_S ?? 30);
const SCAN_S = Number(process.env.SCAN_S ?? 10);
const HOST = { id: 'bench', name: 'bench' };

const builtin = new BuiltinDetectorSet('/');
const forks = () => Number(/^processes (\d+)/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let mode: 'buffer' | 'live' = 'buffer';
let buffer: TelemetryEvent[] = [];
let shipped = 0;
let execs = 0;
/** Time spent detecting (ns), live or at the stand-in scans, apart from the source. */
let detectNs = 0n;
const live = new ExecLiveDetection({
  host: () => HOST,
  detectors: () => builtin.forScan(),
  generation: () => 0,
  enqueue: (b) => {
    shipped += b.findings.length;
  },
  flushMs: 1000,
  procDir: '/proc',
});
const src = openExecSource({ hostId: HOST.id, handoffMs: 1000 });
if (src.mode !== 'netlink') throw new Error(`netlink unavailable: ${src.status().reason}`);
src.start((e) => {
  if (e.kind === 'exec') execs++;
  if (mode === 'live') live.push(e);
  else {
    if (buffer.length >= 10_000) buffer.shift();
    buffer.push(e);
  }
});
// What the scan did with the buffered events: one engine over them with the scan's detectors.
const scanTimer = setInterval(() => {
  if (buffer.length === 0) return;
  const fed = buffer;
  buffer = [];
  const t = process.hrtime.bigint();
  new DetectionEngine(builtin.forScan(), HOST).processAll(fed).results();
  detectNs += process.hrtime.bigint() - t;
}, SCAN_S * 1000);

await sleep(3000);
const rows: Array<{
  mode: string;
  cpuPct: number;
  startsPerS: number;
  usPerExec: number;
  detectUsPerExec: number;
}> = [];
// Window 0 warms both paths up (regex caches, JIT) and is not counted.
for (let w = -1; w < WINDOWS; w++) {
  mode = w === -1 || w % 2 === 0 ? 'live' : 'buffer';
  await sleep(1500); // let the other mode's last hand-off and scan pass
  const c0 = cpuMs();
  const f0 = forks();
  const x0 = execs;
  const d0 = detectNs + live.detectNs;
  const t0 = performance.now();
  await sleep(WINDOW_S * 1000);
  const wallMs = performance.now() - t0;
  const used = cpuMs() - c0;
  const row = {
    mode,
    cpuPct: Number(((100 * used) / wallMs).toFixed(3)),
    startsPerS: Number(((forks() - f0) / (wallMs / 1000)).toFixed(1)),
    usPerExec: Math.round((used * 1000) / Math.max(1, execs - x0)),
    detectUsPerExec: Math.round(Number(detectNs + live.detectNs - d0) / 1000 / Math.max(1, execs - x0)),
  };
  if (w === -1) {
    console.log(JSON.stringify({ warmup: row }));
    continue;
  }
  rows.push(row);
  console.log(JSON.stringify(row));
}
clearInterval(scanTimer);
await src.stop();
live.stop();
const mean = (m: string) => {
  const xs = rows.filter((r) => r.mode === m);
  return {
    cpuPct: Number((xs.reduce((a, r) => a + r.cpuPct, 0) / xs.length).toFixed(3)),
    startsPerS: Number((xs.reduce((a, r) => a + r.startsPerS, 0) / xs.length).toFixed(1)),
    usPerExec: Math.round(xs.reduce((a, r) => a + r.usPerExec, 0) / xs.length),
    detectUsPerExec: Math.round(xs.reduce((a, r) => a + r.detectUsPerExec, 0) / xs.length),
  };
};
console.log(
  JSON.stringify({
    live: mean('live'),
    buffer: mean('buffer'),
    liveStatus: live.status(),
    shipped,
    load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  }),
);
