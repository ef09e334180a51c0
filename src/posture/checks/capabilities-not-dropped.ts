import type { PostureCheck } from './check.js';
import { hit, perContainer } from './containers.js';

/**
 * The runtime's default capability set includes NET_RAW, CHOWN, SETUID and others a service rarely needs; a
 * container that drops none keeps them all for whoever takes it over.
 */
export const capabilitiesNotDropped: PostureCheck = {
  meta: {
    id: 'posture.container.capabilities-not-dropped',
    title: 'Container keeps the default capabilities (none dropped)',
    severity: 'low',
    confidence: 0.7,
    category: 'posture',
    techniques: ['T1611'],
    remediation:
      'Drop all capabilities and add back only what the process needs (compose: cap_drop: [ALL]; Kubernetes: securityContext.capabilities.drop: [ALL]).',
    references: [
      'https://docs.docker.com/engine/containers/run/#runtime-privilege-and-linux-capabilities',
      'https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted',
    ],
  },
  run: (a) =>
    perContainer(a, (c, w) => {
      // Compose only: nearly every Kubernetes manifest would fail it; that is the restricted Pod Security profile.
      if (w.resource.source !== 'compose' || w.kind !== 'compose-service') return undefined;
      if (c.capDrop && c.capDrop.names.length > 0) return undefined;
      return hit(w, c.capDrop?.line ?? c.line, [c.line], c.name, {
        container: c.name,
        capDrop: '(not set: default capabilities kept)',
      });
    }),
};
