import { ACTION_REJECT, type FlowRecord, remoteText } from '../../sources/cloud/flow-record.js';
import type { Hit, RuleMeta } from '../detector.js';
import type { CloudDetector } from './engine.js';
import { flowEvidence } from './flow-evidence.js';
import { onEventRecord } from './net.js';
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
export function flowPoolAddress(pools: PoolAddresses): CloudDetector {
  const flow = (r: FlowRecord): Hit | null => {
    const m = pools.lookupRemote(r);
    if (!m) return null;
    const rejected = r.action === ACTION_REJECT;
    return {
      entity: {
        kind: 'connection',
        ip: remoteText(r),
        ...(r.remotePort >= 0 ? { port: r.remotePort } : {}),
      },
      evidence: { ...flowEvidence(r.event()), matched: m.indicator, list: m.list, label: m.label ?? null },
      ...(rejected ? { severity: 'medium' as const, title: 'Blocked flow to a mining pool address' } : {}),
    };
  };
  return { meta, kinds: ['flow'], flow, detect: onEventRecord(flow) };
}
