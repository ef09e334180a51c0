import { ACTION_REJECT, type FlowRecord, remoteText } from '../../sources/cloud/flow-record.js';
import type { Hit, RuleMeta } from '../detector.js';
import type { CloudDetector } from './engine.js';
import { flowEvidence } from './flow-evidence.js';
import { onEventRecord } from './net.js';
import { inPorts, portTable } from './port-set.js';

const meta: RuleMeta = {
  id: 'cloud.flow.miner-port',
  title: 'Outbound flow to a common mining-pool port',
  severity: 'medium',
  confidence: 0.5,
  category: 'network',
  techniques: ['T1496', 'T1571'],
  recommendation:
    'Check the far end (pool intel, minewarden intel lookup); if it is a pool, stop the miner on the instance and deny the address.',
  falsePositives:
    'Services that happen to listen on the same ports (3333 dev servers, 8888 and 9999 dashboards).',
};

/** Accepted flows an instance opened to a public address on a port from the miner-port list. */
export function flowMinerPort(ports: ReadonlyMap<number, string>): CloudDetector {
  const table = portTable(ports.keys());
  const flow = (r: FlowRecord): Hit | null => {
    if (!inPorts(table, r.dport) && !inPorts(table, r.sport)) return null;
    if (!r.tcp || r.action === ACTION_REJECT) return null;
    if (!r.localInitiated || !inPorts(table, r.remotePort) || !r.remotePublic) return null;
    return {
      entity: { kind: 'connection', ip: remoteText(r), port: r.remotePort },
      evidence: { ...flowEvidence(r.event()), portNote: ports.get(r.remotePort) ?? null },
    };
  };
  return { meta, kinds: ['flow'], flow, detect: onEventRecord(flow) };
}
