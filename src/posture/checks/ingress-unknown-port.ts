import { coversAllPorts } from '../collectors/net-rule.js';
import type { PostureCheck, PostureHit } from './check.js';
import { baseHit, REFS_SG, sgIngressToWorld } from './network-exposure.js';
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
    const out: PostureHit[] = [];
    for (const r of sgIngressToWorld(a.rules)) {
      if (coversAllPorts(r) || r.fromPort === undefined || r.toPort === undefined) continue;
      if (r.protocol !== 'tcp' && r.protocol !== 'udp') continue;
      const unknown = firstUnknown(r.fromPort, r.toPort);
      if (unknown === undefined) continue;
      const b = baseHit(r);
      out.push({
        ...b,
        key: `${r.line}`,
        port: unknown,
        evidence: { ...b.evidence, firstUnknownPort: unknown },
      });
    }
    return out;
  },
};
