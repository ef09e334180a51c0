import type { Detector, RuleMeta } from '../detector.js';
import { str } from '../detectors/fields.js';
import { flowEvidence } from './flow-evidence.js';
import { flowSides } from './net.js';
import type { PoolAddresses } from './pool-addresses.js';

const meta: RuleMeta = {
  id: 'cloud.flow.pool-address',
  title: 'Flow to a mining pool address',
  severity: 'high',
  confidence: 0.8,
  category: 'impact',
  techniques: ['T1496'],
  recommendation:
    'Find the miner on the instance (minewarden scan, or the agent), stop it, and deny the pool address in the security group, NACL or NSG.',
  falsePositives:
    'Shared addresses (CDN, hosting) that also serve a pool; block-list builders probing pools.',
};

/** Flow records whose far end is a pool address from the intel or learned from pool queries. */
export function flowPoolAddress(pools: PoolAddresses): Detector {
  return {
    meta,
    kinds: ['flow'],
    detect(e) {
      const s = flowSides(e);
      if (!s) return null;
      const m = pools.lookup(s.remote);
      if (!m) return null;
      const rejected = str(e, 'flow.action') === 'reject';
      return {
        entity: {
          kind: 'connection',
          ip: s.remote,
          ...(s.remotePort !== undefined ? { port: s.remotePort } : {}),
        },
        evidence: { ...flowEvidence(e), matched: m.indicator, list: m.list, label: m.label ?? null },
        ...(rejected ? { severity: 'medium' as const, title: 'Blocked flow to a mining pool address' } : {}),
      };
    },
  };
}
