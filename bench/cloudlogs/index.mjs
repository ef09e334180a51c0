#!/usr/bin/env node
// bench/cloudlogs: VPC Flow Logs lines through the reader and every cloud detector, as `cloudlogs --vpc-flow` runs.
// Generates LINES default-format lines (plain text, ~110 bytes each) into a temp file, then reads them in a child
// process so the peak RSS is the analysis alone. Target: >= 1,000,000 lines/s at < 200 MB peak RSS.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const LINES = Number(process.env.LINES ?? 10_000_000);
const here = fileURLToPath(new URL('.', import.meta.url));

/** Deterministic xorshift, so every run reads the same lines. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

async function generate(file) {
  const r = rng(42);
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  out.write(
    'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n',
  );
  const t0 = 1795082400;
  // 2,000 interfaces with one private address each; 20,000 internet peers; a mix like a busy VPC: HTTPS out and
  // back, DNS to the resolver, inbound rejects on admin ports, some traffic on high ports, a few miner-port flows.
  const peers = Array.from(
    { length: 20_000 },
    () =>
      `${13 + Math.floor(r() * 180)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`,
  );
  const enis = Array.from({ length: 2000 }, (_, i) => `eni-${i.toString(16).padStart(17, '0')}`);
  const locals = Array.from({ length: 2000 }, (_, i) => `10.${i >> 8}.${i & 255}.10`);
  let chunk = '';
  for (let i = 0; i < LINES; i++) {
    const eni = Math.floor(r() * 2000);
    const local = locals[eni];
    const peer = peers[Math.floor(r() * peers.length)];
    const start = t0 + Math.floor(i / 20_000);
    const eph = 32768 + Math.floor(r() * 28000);
    const k = r();
    let src,
      dst,
      sp,
      dp,
      proto = 6,
      action = 'ACCEPT';
    if (k < 0.55) [src, dst, sp, dp] = r() < 0.5 ? [local, peer, eph, 443] : [peer, local, 443, eph];
    else if (k < 0.75) [src, dst, sp, dp, proto] = [local, '10.0.0.2', eph, 53, 17];
    else if (k < 0.85) [src, dst, sp, dp, action] = [peer, local, eph, r() < 0.5 ? 22 : 3389, 'REJECT'];
    else if (k < 0.999)
      [src, dst, sp, dp] =
        r() < 0.5
          ? [local, peer, eph, 10000 + Math.floor(r() * 20000)]
          : [peer, local, 10000 + Math.floor(r() * 20000), eph];
    else [src, dst, sp, dp] = [local, peer, eph, 3333];
    const packets = 1 + Math.floor(r() * 40);
    chunk += `2 123456789010 ${enis[eni]} ${src} ${dst} ${sp} ${dp} ${proto} ${packets} ${packets * (60 + Math.floor(r() * 900))} ${start} ${start + 60} ${action} OK\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

if (process.argv[2] === '--child') {
  const file = process.argv[3];
  const { readVpcFlowFile } = await import('../../dist/sources/cloud/index.js');
  const { CloudDetection, cloudDetectors } = await import('../../dist/detect/cloud/index.js');
  const { loadBuiltinPoolIntel } = await import('../../dist/intel/pools/index.js');
  const { loadMinerPorts } = await import('../../dist/intel/miner-ports.js');
  const det = new CloudDetection(
    cloudDetectors({ intel: loadBuiltinPoolIntel(), minerPorts: loadMinerPorts() }),
    (id) => ({ id, name: id }),
  );
  const t = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const s = await readVpcFlowFile(file, (e) => det.process(e), { onFlow: (r) => det.processFlow(r) });
  const findings = det.results();
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const bySeverity = {};
  for (const f of findings) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  process.stdout.write(
    JSON.stringify({
      records: s.records,
      events: s.events,
      skipped: s.skipped,
      seconds,
      cpuSeconds,
      findings: findings.length,
      bySeverity,
      maxRssKb: process.resourceUsage().maxRSS,
    }),
  );
} else {
  // CLOUDLOGS_FILE keeps the generated file between runs (it is reused when it exists): generating takes longer
  // than reading.
  const keep = process.env.CLOUDLOGS_FILE;
  const dir = keep ? null : await mkdtemp(join(tmpdir(), 'mw-bench-cloud-'));
  try {
    const file = keep ?? join(dir, 'flows.log');
    const g0 = Date.now();
    if (!keep || !existsSync(keep)) await generate(file);
    const size = (await stat(file)).size;
    console.log(
      `${file}: ${LINES.toLocaleString('en')} lines, ${(size / 2 ** 20).toFixed(0)} MiB, ready in ${((Date.now() - g0) / 1000).toFixed(1)} s`,
    );
    const r = spawnSync(process.execPath, [join(here, 'index.mjs'), '--child', file], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (r.status !== 0) {
      console.error(r.stderr);
      process.exit(1);
    }
    const m = JSON.parse(r.stdout);
    const rate = m.records / m.seconds;
    const rssMb = m.maxRssKb / 1024;
    console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}`);
    console.log(
      `read + detect: ${m.records.toLocaleString('en')} lines in ${m.seconds.toFixed(2)} s = ${Math.round(rate).toLocaleString('en')} lines/s (${(size / 2 ** 20 / m.seconds).toFixed(0)} MiB/s)`,
    );
    console.log(
      `CPU time: ${m.cpuSeconds.toFixed(2)} s = ${Math.round(m.records / m.cpuSeconds).toLocaleString('en')} lines per CPU-second (the wall rate is lower when other work shares the cores: load average ${loadavg()[0].toFixed(1)})`,
    );
    console.log(
      `peak RSS: ${rssMb.toFixed(0)} MB; findings: ${m.findings} ${JSON.stringify(m.bySeverity)}; skipped: ${JSON.stringify(m.skipped)}`,
    );
    console.log(`target >= 1,000,000 lines/s at < 200 MB: ${rate >= 1e6 && rssMb < 200 ? 'met' : 'NOT met'}`);
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
