import type { Detector, RuleMeta } from '../detector.js';
import { str, strs } from '../detectors/fields.js';
import type { PoolAddresses } from './pool-addresses.js';

const meta: RuleMeta = {
  id: 'cloud.dns.pool-query',
  title: 'Instance resolved a mining pool domain',
  severity: 'high',
  confidence: 0.85,
  category: 'impact',
  techniques: ['T1496', 'T1071.004'],
  recommendation:
    'The instance named in the finding asked for a pool: look for the miner on it (minewarden scan), block the domain in a Route 53 Resolver DNS Firewall rule or Cloud DNS policy, and find how it got in.',
  falsePositives: 'Security tools resolving pool names to build block lists; people browsing pool web sites.',
};

/** Resolver query logs (Route 53, Cloud DNS) that name a pool domain; answers are remembered as pool addresses. */
export function cloudDnsPoolQuery(pools: PoolAddresses): Detector {
  return {
    meta,
    kinds: ['dns'],
    detect(e) {
      const query = str(e, 'dns.query');
      if (!query) return null;
      const m = pools.intel.lookupDomain(query);
      if (!m) return null;
      const answers = strs(e, 'dns.answers');
      for (const a of answers) if (/^[\d.]+$|:/.test(a)) pools.learn(a, m, query);
      const client = str(e, 'source.ip');
      return {
        entity: { kind: 'connection', name: m.indicator, ...(client ? { ip: client } : {}) },
        evidence: {
          query,
          type: str(e, 'dns.type') ?? null,
          answers: [...answers],
          client: client ?? null,
          instance: str(e, 'cloud.instanceId') ?? str(e, 'cloud.instanceName') ?? null,
          account: str(e, 'cloud.account') ?? null,
          vpc: str(e, 'cloud.vpcId') ?? null,
          matched: m.indicator,
          list: m.list,
          label: m.label ?? null,
          source: e.source,
        },
      };
    },
  };
}
