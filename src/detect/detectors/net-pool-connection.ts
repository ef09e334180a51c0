import type { PoolIntel } from '../../intel/pools/index.js';
import type { Detector, RuleMeta } from '../detector.js';
import { bool, num, str } from './fields.js';

const meta: RuleMeta = {
  id: 'net.pool-connection',
  title: 'Connection to a known mining pool',
  severity: 'critical',
  confidence: 0.9,
  category: 'impact',
  techniques: ['T1496', 'T1071'],
  recommendation:
    'Kill the process holding the connection, block the pool (domain at the resolver, address at the firewall) and look for how the miner started and persists.',
  falsePositives:
    'Authorised mining; a browser or tool visiting a pool website (its host name, not a stratum port).',
};

/**
 * Connections whose remote host name (when a source knows it: agent DNS correlation, proxy logs) or address is in
 * the pool intel. DNS queries themselves are dns.pool-query's job.
 */
export function netPoolConnection(intel: PoolIntel): Detector {
  return {
    meta,
    kinds: ['connection'],
    detect(e) {
      if (e.fields['network.initiated'] === false) return null;
      const host = str(e, 'destination.hostname');
      const ip = str(e, 'destination.ip');
      const match = (host ? intel.lookupDomain(host) : null) ?? (ip ? intel.lookupIp(ip) : null);
      if (!match) return null;
      const port = num(e, 'destination.port');
      const pid = num(e, 'process.pid');
      const exe = str(e, 'process.exe');
      return {
        entity: {
          kind: 'connection',
          ...(ip ? { ip } : {}),
          ...(port !== undefined ? { port } : {}),
          ...(pid !== undefined ? { pid } : {}),
          ...(exe ? { exe } : {}),
          ...(host ? { name: host } : {}),
        },
        evidence: {
          hostname: host ?? null,
          ip: ip ?? null,
          port: port ?? null,
          matched: match.indicator,
          matchKind: match.kind,
          list: match.list,
          process: exe ?? null,
          initiated: bool(e, 'network.initiated'),
        },
        // A pool's web site over 443 from a browser-like program is weaker than a miner on a stratum port.
        ...(port === 443 || port === 80 ? { severity: 'high' as const, confidence: 0.75 } : {}),
      };
    },
  };
}
