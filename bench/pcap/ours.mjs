// One measured run of our analyzer over FILE, in its own process so peak RSS is ours alone. Prints JSON.
// WALK: 'auto' (native packet walk when the addon is built) or 'js'. With 'auto', V8 is set up as `minewarden pcap
// FILE` sets it (tuneV8ForBatchAnalysis, src/detect/wire/batch-v8.ts) unless V8=default. index.mjs runs it bundled
// as the CLI is (scripts/cjs-bundle.mjs), so no top-level await.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { analyzeCaptureFile, tuneV8ForBatchAnalysis } from '../../dist/detect/wire/index.js';
import { loadBuiltinPoolIntel } from '../../dist/intel/pools/builtin.js';

async function main() {
  const file = process.argv[2];
  const walk = process.argv[3] === 'js' ? 'js' : 'auto';
  // As `pcap FILE` does: it never forces the JS walk, which it runs (with V8's defaults) only without the addon.
  const tuned = walk === 'auto' && process.env.V8 !== 'default' && tuneV8ForBatchAnalysis([file]);
  const intel = loadBuiltinPoolIntel();
  const f0 = process.resourceUsage().minorPageFault;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const r = await analyzeCaptureFile(file, { intel, walk });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(c0);
  // Fresh pages the analysis touched: each is a page fault, which costs microseconds in a guest with PTI.
  const pageFaults = process.resourceUsage().minorPageFault - f0;
  const mining = r.findings.filter((f) => f.ruleId === 'wire.mining.stratum').length;
  process.stdout.write(
    JSON.stringify({
      walk: r.walk,
      walkNote: r.walkNote,
      v8: tuned ? 'tiering capped at Maglev, as pcap FILE sets it' : 'defaults',
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      pageFaults,
      bytes: statSync(file).size,
      packets: r.capture.stats.packets,
      flows: r.wire.flows,
      findings: r.findings.length,
      miningFindings: mining,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      // Every finding, warning and counter, so the two walks can be compared whole.
      digest: createHash('sha256')
        .update(JSON.stringify([r.findings, r.warnings, r.capture, r.wire]))
        .digest('hex'),
    }),
  );
}
void main();
