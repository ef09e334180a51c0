// One measured run of our analyzer over FILE, in its own process so peak RSS is ours alone. Prints JSON.
import { statSync } from 'node:fs';
import { analyzeCaptureFile } from '../../dist/detect/wire/index.js';
import { loadBuiltinPoolIntel } from '../../dist/intel/pools/index.js';

const file = process.argv[2];
const intel = loadBuiltinPoolIntel();
const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
const r = await analyzeCaptureFile(file, { intel });
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(c0);
const mining = r.findings.filter((f) => f.ruleId === 'wire.mining.stratum').length;
process.stdout.write(
  JSON.stringify({
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    bytes: statSync(file).size,
    packets: r.capture.stats.packets,
    flows: r.wire.flows,
    findings: r.findings.length,
    miningFindings: mining,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  }),
);
