// Child process for bench/logs: what `minewarden logs FILE` does before it prints (read, DNS query check on the
// lines that could be DNS, auth parse, seven SSH detectors plus pool lookups with the built-in and installed intel),
// timed inside. Module loading counts in the process CPU time GNU time reports, as it does for the command.
// index.mjs runs it bundled as the CLI is (scripts/cjs-bundle.mjs), so no top-level await.
import { analyzeLogFiles, defaultLogsDetectors } from '../../dist/cli/commands/logs.js';

async function main() {
  const file = process.argv[2];
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const { findings, stats } = await analyzeLogFiles([file], 'bench', await defaultLogsDetectors());
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const [s] = stats;
  const bruteForce = findings.filter((f) => f.ruleId === 'ssh.brute-force').length;
  process.stdout.write(
    `${JSON.stringify({ seconds, cpuSeconds, lines: s.lines, events: s.events, findings: findings.length, bruteForce })}\n`,
  );
}
void main();
