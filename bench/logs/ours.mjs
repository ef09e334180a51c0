// Child process for bench/logs: the full `logs` pipeline (read, parse, detect) over one file, timed inside.
import { sshDetectors } from '../../dist/detect/detectors/ssh-detectors.js';
import { StatefulDetection } from '../../dist/detect/stateful.js';
import { readAuthLogBatches } from '../../dist/sources/authlog/index.js';

const file = process.argv[2];
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const det = new StatefulDetection(sshDetectors(), { id: 'bench', name: 'bench' });
let stats;
for await (const batch of readAuthLogBatches(file, {}, (s) => (stats = s)))
  for (const e of batch) det.process(e);
const findings = det.results();
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const bruteForce = findings.filter((f) => f.ruleId === 'ssh.brute-force').length;
process.stdout.write(
  `${JSON.stringify({ seconds, cpuSeconds, lines: stats.lines, events: stats.events, findings: findings.length, bruteForce })}\n`,
);
