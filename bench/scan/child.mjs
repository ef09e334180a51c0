// Runs scans against the built code (dist/) so the measured RSS is the product's, not a TypeScript loader's.
import { builtinDetectors } from '../../dist/detect/detectors/index.js';
import { DetectionEngine } from '../../dist/detect/engine.js';
import { loadMinerPorts } from '../../dist/intel/miner-ports.js';
import { eachSnapshotEvent } from '../../dist/sources/procfs/events.js';
import { ExeHasher } from '../../dist/sources/procfs/exe-hash.js';
import { takeSnapshot } from '../../dist/sources/procfs/snapshot.js';
import { trimFilePages } from '../../dist/util/mem-trim.js';

const [root = '/', iterArg = '20', reader = 'auto', trim = 'trim'] = process.argv.slice(2);
const iterations = Number(iterArg);
const quantile = (xs, q) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;

// The agent trims once when it has started, before its first scan, and after each scan.
if (trim === 'trim') trimFilePages();
const hasher = new ExeHasher();
const detectors = builtinDetectors({ minerPorts: loadMinerPorts() });
const walls = [];
const cpus = [];
let processes = 0;
for (let i = 0; i < iterations + 2; i++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const snap = await takeSnapshot({ root, sampleMs: 0, hasher, reader });
  new DetectionEngine(detectors, snap.host).processAll(eachSnapshotEvent(snap)).results();
  // As the agent does after each scan (src/agent): what the scan mapped of the node binary and did not keep using
  // leaves RSS; the pages it uses again come back at the next scan, inside its measured time, as is the trim.
  if (trim === 'trim') trimFilePages();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  processes = snap.processes.length;
  // The first two warm the hash cache and the JIT, as in a running agent.
  if (i >= 2) {
    walls.push(wall);
    cpus.push((c.user + c.system) / 1000);
  }
}
process.stdout.write(
  `${JSON.stringify({
    target: root === '/' ? 'live /proc' : 'fixture',
    processes,
    iterations,
    wallMsMedian: quantile(walls, 0.5),
    wallMsP95: quantile(walls, 0.95),
    cpuMsMedian: quantile(cpus, 0.5),
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
