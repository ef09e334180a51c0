import type { PoolIntel } from '../../intel/pools/index.js';
import type { Detector, RuleMeta } from '../detector.js';
import { str, strs } from './fields.js';

const meta: RuleMeta = {
  id: 'dns.pool-query',
  title: 'DNS lookup of a mining pool',
  severity: 'high',
  confidence: 0.85,
  category: 'impact',
  techniques: ['T1496', 'T1071'],
  recommendation:
    'Find the client that asked (source address, then the process on it), stop the miner, and block the pool domain at the resolver.',
  falsePositives:
    'Someone browsing a pool website; security tools that resolve pool names to build block lists.',
};

/** DNS queries (and answers) that name a pool domain from the intel, matched by label suffix. */
export function dnsPoolQuery(intel: PoolIntel): Detector {
  return {
    meta,
    kinds: ['dns'],
    detect(e) {
      const name = str(e, 'dns.query');
      if (name === undefined) return null;
      const m = intel.lookupDomain(name);
      const answerHit = m
        ? null
        : strs(e, 'dns.answers')
            .map((a) => intel.lookupIp(a))
            .find((x) => x !== null);
      const match = m ?? answerHit;
      if (!match) return null;
      const client = str(e, 'source.ip');
      return {
        entity: client ? { kind: 'source-ip', ip: client, name } : { kind: 'connection', name },
        evidence: {
          query: name,
          type: str(e, 'dns.type') ?? null,
          client: client ?? null,
          answers: [...strs(e, 'dns.answers')],
          matched: match.indicator,
          matchKind: match.kind,
          list: match.list,
          label: match.label ?? null,
          line: str(e, 'log.message') ?? null,
        },
      };
    },
  };
}
