// bench/agent-live: what the agent's live sources cost. Idle: an auth log followed (1 s polls) and the DNS routing
// watch (30 s), nothing written, CPU as % of one core. Burst: the Loghub OpenSSH log appended 100 times (200k lines
// of a real brute-force mix) through follower, parser and the live SSH/DNS engine, in lines per CPU-second.
// CPU is this process's own (process.cpuUsage), so other load on the machine does not count against it.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authFileFeed } from '../../src/agent/auth-feed.js';
import { dnsWatchFeed } from '../../src/agent/dns-feed.js';
import { LiveDetection } from '../../src/agent/live-detect.js';
import { dnsRoutingChange } from '../../src/detect/detectors/dns-routing-change.js';
import { sshDetectors } from '../../src/detect/detectors/ssh-detectors.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const LOGHUB = join(here, '../../../shared/data/sshlogs/loghub/OpenSSH/OpenSSH_2k.log');
const IDLE_S = Number(process.env.MW_BENCH_IDLE_S ?? 30);
const COPIES = 100;

const root = mkdtempSync(join(tmpdir(), 'mw-bench-live-'));
mkdirSync(join(root, 'var/log'), { recursive: true });
mkdirSync(join(root, 'etc'), { recursive: true });
writeFileSync(join(root, 'etc/resolv.conf'), 'nameserver 10.0.0.1\n');
const file = join(root, 'var/log/auth.log');
writeFileSync(file, '');
let batches = 0;
let findings = 0;
const auth = authFileFeed(file, 'h', 1000);
const live = new LiveDetection({
  host: () => ({ id: 'h', name: 'h' }),
  detectors: () => [...sshDetectors(), dnsRoutingChange],
  feeds: [auth, dnsWatchFeed(root, 'h', 30_000)],
  enqueue: (b) => {
    batches++;
    findings += b.findings.length;
  },
  flushMs: 1000,
});
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = () => (process.memoryUsage.rss() / 1e6).toFixed(0);

async function idlePercent(): Promise<number> {
  const c = cpu();
  const t = Date.now();
  await sleep(IDLE_S * 1000);
  return ((cpu() - c) / ((Date.now() - t) / 1000)) * 100;
}
await sleep(2000);
// The same process doing nothing: the floor (timers, GC, the loader) the live sources add to.
const floor = await idlePercent();
live.start();
await sleep(2000);
const idle = await idlePercent();
console.log(
  `idle: ${idle.toFixed(3)}% of one core with the live sources, ${floor.toFixed(3)}% without (${IDLE_S} s each), RSS ${mb()} MB`,
);

const raw = readFileSync(LOGHUB, 'utf8');
const text = raw.endsWith('\n') ? raw : `${raw}\n`;
const lines = COPIES * text.split('\n').filter((l) => l !== '').length;
const c0 = cpu();
const t0 = Date.now();
for (let i = 0; i < COPIES; i++) appendFileSync(file, text);
const read = () => (auth.status() as { lines: number }).lines;
while (read() < lines) await sleep(20);
// Let the last flush happen: queuing findings is part of the cost.
await sleep(1100);
const used = cpu() - c0;
console.log(
  `burst: ${lines} lines -> ${live.events} auth events -> ${findings} findings in ${batches} batches; ` +
    `${used.toFixed(2)} CPU-s = ${Math.round(lines / used / 1000)}k lines per CPU-second ` +
    `(wall ${((Date.now() - t0) / 1000).toFixed(1)} s incl. 1 s polls), RSS ${mb()} MB`,
);
await live.stop();
rmSync(root, { recursive: true, force: true });
