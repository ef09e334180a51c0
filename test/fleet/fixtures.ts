import { type Finding, findingId } from '../../src/model/finding.js';
import type { Host } from '../../src/model/host.js';
import type { IngestBatch } from '../../src/store/types.js';

export function host(id: string, name = id): Host {
  return { id, name, os: 'linux', cpus: 2 };
}

/** A valid finding whose id follows the real derivation, so the same (host, n) is the same finding. */
export function finding(hostId: string, n: number, time = '2025-01-01T00:00:00.000Z'): Finding {
  const entity = { kind: 'process' as const, pid: 1000 + n, exe: `/tmp/.x/miner${n}`, name: `miner${n}` };
  return {
    id: findingId(hostId, 'miner.cmdline.stratum', entity),
    ruleId: 'miner.cmdline.stratum',
    title: `Miner command line (${n})`,
    severity: n % 2 === 0 ? 'high' : 'medium',
    confidence: 0.9,
    category: 'execution',
    techniques: ['T1496'],
    host: { id: hostId, name: hostId },
    time,
    entity,
    evidence: { cmdline: `xmrig -o stratum+tcp://pool.example:3333 #${n}` },
  };
}

export function batch(
  hostId: string,
  batchId: string,
  findings: Finding[],
  extra: Partial<IngestBatch> = {},
): IngestBatch {
  return { batchId, host: host(hostId), findings, incidents: [], heartbeats: [], inventory: [], ...extra };
}
