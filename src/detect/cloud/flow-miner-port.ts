import type { Detector, RuleMeta } from '../detector.js';
import { str } from '../detectors/fields.js';
import { flowEvidence } from './flow-evidence.js';
import { flowSides, isPublicIp } from './net.js';

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
export function flowMinerPort(ports: ReadonlyMap<number, string>): Detector {
  return {
    meta,
    kinds: ['flow'],
    detect(e) {
      const sp = e.fields['source.port'];
      const dp = e.fields['destination.port'];
      if (!(typeof dp === 'number' && ports.has(dp)) && !(typeof sp === 'number' && ports.has(sp)))
        return null;
      if (str(e, 'network.transport') !== 'tcp' || str(e, 'flow.action') === 'reject') return null;
      const s = flowSides(e);
      if (!s?.localInitiated || s.remotePort === undefined || !ports.has(s.remotePort)) return null;
      if (!isPublicIp(s.remote)) return null;
      return {
        entity: { kind: 'connection', ip: s.remote, port: s.remotePort },
        evidence: { ...flowEvidence(e), portNote: ports.get(s.remotePort) ?? null },
      };
    },
  };
}
