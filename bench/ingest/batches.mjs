// Pre-built ingest bodies, so the bench's own CPU goes to sending, not to building JSON (client and server share the cores).
import { createHash } from 'node:crypto';

let seq = 0;

function finding(hostId, n) {
  const id = `f-${createHash('sha256').update(`${hostId}:${n}`).digest('hex').slice(0, 24)}`;
  return {
    id,
    ruleId: 'miner.cmdline',
    title: 'Miner command line',
    severity: n % 3 === 0 ? 'high' : 'medium',
    confidence: 0.9,
    category: 'execution',
    techniques: ['T1496'],
    host: { id: hostId, name: hostId },
    time: new Date(Date.UTC(2025, 0, 1) + n * 1000).toISOString(),
    entity: { kind: 'process', pid: 1000 + (n % 30000), exe: `/tmp/.x/m${n}`, name: `m${n}` },
    evidence: { cmdline: `xmrig -o stratum+tcp://pool.example:3333 --threads 2 #${n}` },
  };
}

/** One batch body with `size` new findings for the host. */
export function batchBody(hostId, size) {
  const findings = [];
  for (let i = 0; i < size; i++) findings.push(finding(hostId, seq++));
  return JSON.stringify({
    batchId: `bench-${hostId}-${seq}`,
    host: { id: hostId, name: hostId },
    findings,
    incidents: [],
    heartbeats: [],
    inventory: [],
  });
}
