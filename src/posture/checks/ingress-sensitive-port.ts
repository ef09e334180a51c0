import type { PostureCheck } from './check.js';
import { portRangeHits, REFS_SG } from './network-exposure.js';
import { portsInRange, SENSITIVE_PORTS } from './port-catalog.js';

/** "SMB (445), NFS (2049) and 3 more": a wide range names its first few services, the evidence lists all. */
function named(ports: number[]): string {
  const shown = ports.slice(0, 4).map((p) => `${SENSITIVE_PORTS.get(p)} (${p})`);
  return ports.length > 4 ? `${shown.join(', ')} and ${ports.length - 4} more` : shown.join(', ');
}

/** One finding per rule, naming every sensitive service its port range lets in from the internet. */
export const ingressSensitivePort: PostureCheck = {
  meta: {
    id: 'posture.cloud.ingress-sensitive-port',
    title: 'A sensitive service port (file sharing, database, directory, mail ...) is open to the internet',
    severity: 'high',
    confidence: 0.9,
    category: 'posture',
    techniques: ['T1190', 'T1133'],
    remediation:
      'Narrow the rule to the ports the application serves and to known source ranges; reach databases, file shares and consoles through a VPN or bastion.',
    references: REFS_SG,
  },
  run(a) {
    return portRangeHits(a.rules, (from, to) => {
      const ports = portsInRange(SENSITIVE_PORTS, from, to);
      if (ports.length === 0) return undefined;
      return {
        port: ports[0]!,
        title: `${named(ports)} open to the internet`,
        evidence: { sensitivePorts: ports },
      };
    });
  },
};
