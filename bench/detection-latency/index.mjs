// Detection latency: miner start -> finding, for the real-time source (netlink exec events straight into the
// detectors, as the agent runs) and for a one-shot `scan` started right after the miner. The miner is the harmless
// scenario stand-in (test/scenarios/standin.c) with XMRig-style arguments, in a hidden /tmp directory; it talks to
// nothing. Prints a JSON summary.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { builtinDetectors } from '../../dist/detect/detectors/index.js';
import { DetectionEngine } from '../../dist/detect/engine.js';
import { loadMinerPorts } from '../../dist/intel/miner-ports.js';
import { scanHost } from '../../dist/scan/scan.js';
import { openExecSource } from '../../dist/sources/exec/index.js';

const TRIALS = Number(process.env.TRIALS ?? 20);
const SCAN_TRIALS = Number(process.env.SCAN_TRIALS ?? 5);
const WALLET =
  '4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge';

const work = mkdtempSync(join(tmpdir(), '.mw-latency-'));
const standin = join(work, 'standin');
execFileSync('cc', [
  '-O1',
  '-o',
  standin,
  resolve(import.meta.dirname, '../../test/scenarios/standin.c'),
  '-lpthread',
]);
const minerPath = join(work, '.x', 'kdevtmpfsi');
mkdirSync(join(work, '.x'));
copyFileSync(standin, minerPath);

function startMiner(life = 3) {
  const t0 = performance.now();
  const child = spawn(
    minerPath,
    ['-o', 'stratum+tcp://127.0.0.1:3333', '-u', WALLET, '--donate-level', '1'],
    {
      argv0: 'kdevtmpfsi',
      stdio: 'ignore',
      env: { MWS_LIFE: String(life) },
    },
  );
  return { child, t0 };
}

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

function summary(xs) {
  return {
    n: xs.length,
    p50: Math.round(pct(xs, 50) * 10) / 10,
    p95: Math.round(pct(xs, 95) * 10) / 10,
    max: Math.round(Math.max(...xs) * 10) / 10,
  };
}

async function realtime() {
  const detectors = builtinDetectors({ minerPorts: loadMinerPorts() });
  const source = openExecSource({ hostId: 'bench' });
  if (source.mode !== 'netlink') return { mode: source.mode, reason: source.status().reason ?? 'no netlink' };
  const waiting = new Map();
  const engine = new DetectionEngine(detectors, { id: 'bench', name: 'bench' });
  source.start((e) => {
    if (e.kind !== 'exec') return;
    engine.process(e);
    const pid = e.fields['process.pid'];
    const w = waiting.get(pid);
    if (w && engine.results().some((f) => f.ruleId === 'miner.cmdline' && f.entity.pid === pid)) {
      waiting.delete(pid);
      w(performance.now());
    }
  });
  const lat = [];
  let missed = 0;
  for (let i = 0; i < TRIALS; i++) {
    const { child, t0 } = startMiner(1);
    const seen = await Promise.race([
      new Promise((r) => waiting.set(child.pid, r)),
      new Promise((r) => setTimeout(() => r(null), 3000)),
    ]);
    if (seen === null) missed++;
    else lat.push(seen - t0);
    child.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
  }
  await source.stop();
  return { mode: 'netlink', missed, ms: summary(lat) };
}

async function oneShotScan() {
  const lat = [];
  for (let i = 0; i < SCAN_TRIALS; i++) {
    const { child, t0 } = startMiner(10);
    const r = await scanHost({ sampleMs: 200, hash: false, files: false, realtime: false });
    const found = r.findings.some((f) => f.ruleId === 'miner.cmdline' && f.entity.pid === child.pid);
    if (found) lat.push(performance.now() - t0);
    child.kill('SIGKILL');
  }
  return { intervalMs: 200, ms: summary(lat) };
}

try {
  const rt = await realtime();
  const scan = await oneShotScan();
  process.stdout.write(`${JSON.stringify({ realtime: rt, scan }, null, 2)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
