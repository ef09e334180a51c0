import type { PostureCheck } from './check.js';
import { portRangeHits, REFS_SG } from './network-exposure.js';
import { KNOWN_PORTS } from './port-catalog.js';

/** First port in [from, to] that no catalogue names, or undefined. */
function firstUnknown(from: number, to: number): number | undefined {
  for (let p = Math.max(0, from); p <= Math.min(65535, to); p++) if (!KNOWN_PORTS.has(p)) return p;
  return undefined;
}

/**
 * A range that opens ports no known service uses: nobody can say what answers there, and miners' own control
 * channels and proxies hide on such ports.
 */
export const ingressUnknownPort: PostureCheck = {
  meta: {
    id: 'posture.cloud.ingress-unknown-port',
    title: 'Ports without a known service are open to the internet',
    severity: 'medium',
    confidence: 0.8,
    category: 'posture',
    techniques: ['T1190', 'T1571'],
    remediation:
      'Open only the ports of the services you run, one rule per service, instead of a port range.',
    references: REFS_SG,
  },
  run(a) {
    return portRangeHits(a.rules, (from, to) => {
      const unknown = firstUnknown(from, to);
      return unknown === undefined ? undefined : { port: unknown, evidence: { firstUnknownPort: unknown } };
    });
  },
};
