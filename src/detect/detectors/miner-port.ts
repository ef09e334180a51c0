import type { Detector, RuleMeta } from '../detector.js';
import { processEntity } from '../entity.js';
import { bool, num, str } from './fields.js';

const meta: RuleMeta = {
  id: 'net.miner-port',
  title: 'Outbound connection to a common mining-pool port',
  severity: 'medium',
  confidence: 0.5,
  category: 'network',
  techniques: ['T1496', 'T1571'],
  recommendation:
    'Check what the remote end is (pool intel, stratum on the wire); if it is a pool, kill the process and block the address.',
  falsePositives:
    'Development servers and other services that happen to use the same ports (3000-series, 8888, 9999).',
};

const ACTIVE = new Set(['ESTABLISHED', 'SYN_SENT']);

/** Built from a port list (intel data) so operators can extend it without code. */
export function minerPortDetector(ports: ReadonlyMap<number, string>): Detector {
  return {
    meta,
    kinds: ['connection'],
    detect(e) {
      const port = num(e, 'destination.port');
      const state = str(e, 'network.state');
      if (
        port === undefined ||
        !ports.has(port) ||
        !bool(e, 'network.initiated') ||
        (state && !ACTIVE.has(state))
      )
        return null;
      const ip = str(e, 'destination.ip');
      const entity = { ...processEntity(e), kind: 'connection' as const, port, ...(ip ? { ip } : {}) };
      return {
        entity,
        evidence: {
          remote: `${ip ?? '?'}:${port}`,
          local: `${str(e, 'source.ip') ?? '?'}:${num(e, 'source.port') ?? '?'}`,
          state: state ?? null,
          transport: str(e, 'network.transport') ?? null,
          portNote: ports.get(port) ?? null,
          exe: str(e, 'process.exe') ?? null,
        },
      };
    },
  };
}
