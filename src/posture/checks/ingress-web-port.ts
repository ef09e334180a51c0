import type { PostureCheck } from './check.js';
import { REFS_SG, servicePortHits } from './network-exposure.js';
import { WEB_PORTS } from './port-catalog.js';

const PLAIN_TEXT = new Set([80, 8080]);

/**
 * Web ports open to the internet are usually a front end and meant to be; the finding asks to confirm it. Plain HTTP
 * ranks higher: credentials and session cookies cross the internet in clear text.
 */
export const ingressWebPort: PostureCheck = {
  meta: {
    id: 'posture.cloud.ingress-web-port',
    title: 'A web port is open to the internet',
    severity: 'low',
    confidence: 0.9,
    category: 'posture',
    techniques: ['T1190'],
    remediation:
      'Confirm the service is a public front end; serve HTTPS only (redirect at a load balancer), and keep admin and application servers behind it.',
    references: REFS_SG,
  },
  run(a) {
    return servicePortHits(a.rules, WEB_PORTS, (port) => (PLAIN_TEXT.has(port) ? 'medium' : 'low'));
  },
};
