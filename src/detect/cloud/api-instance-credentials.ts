import type { RuleMeta } from '../detector.js';
import { str } from '../detectors/fields.js';
import { apiEvidence } from './api-fields.js';
import type { CloudDetector, HostHit } from './engine.js';
import { isPublicIp } from './net.js';

const meta: RuleMeta = {
  id: 'cloud.api.instance-credentials-outside',
  title: 'Instance role credentials used from outside their instance',
  severity: 'high',
  confidence: 0.7,
  category: 'credential-access',
  techniques: ['T1552.005', 'T1078.004'],
  recommendation:
    "The instance's role credentials were stolen (metadata service, SSRF, a miner dropper harvesting IMDS): revoke the role's active sessions, require IMDSv2, and look at the instance for the intruder.",
  falsePositives:
    'Instances whose egress address changes (several NAT gateways, an elastic IP moved) when no address map is given.',
};

const IP_LIKE = /^[\d.]+$|^[0-9a-f:]+$/i;
const MAX_SESSIONS = 50_000;
const MAX_IPS = 32;

interface Session {
  hostId: string;
  instance: string;
  ips: Map<string, { count: number; first: number }>;
  reported: Set<string>;
}

/**
 * CloudTrail calls signed with an instance-profile session (the role session is named after the instance) from a
 * public address the instance does not use: one not in `instanceAddresses` when the host map knows them, else one
 * beside another address of the same session (at the end of the input, every address but the busiest).
 * Calls through VPC endpoints and from AWS services are left out.
 */
export function apiInstanceCredentialsOutside(
  instanceAddresses: (instanceId: string) => readonly string[] = () => [],
): CloudDetector {
  const sessions = new Map<string, Session>();
  const hit = (s: Session, ip: string, known: readonly string[]) => ({
    entity: { kind: 'source-ip' as const, ip, name: s.instance },
    evidence: {
      instance: s.instance,
      outsideIp: ip,
      knownAddresses: [...known],
      addressesSeen: Object.fromEntries([...s.ips].map(([k, v]) => [k, v.count])),
    },
  });
  return {
    meta,
    kinds: ['cloud-api'],
    detect(e) {
      const instance = str(e, 'api.sessionName');
      if (!instance || !/^i-[0-9a-f]{8,17}$/.test(instance) || str(e, 'api.principalType') !== 'AssumedRole')
        return null;
      const ip = str(e, 'source.ip');
      if (!ip || !IP_LIKE.test(ip) || !isPublicIp(ip) || str(e, 'api.vpcEndpoint')) return null;
      const key = `${str(e, 'cloud.account') ?? ''}\u0000${instance}`;
      let s = sessions.get(key);
      if (!s) {
        if (sessions.size >= MAX_SESSIONS) return null;
        s = { hostId: e.hostId, instance, ips: new Map(), reported: new Set() };
        sessions.set(key, s);
      }
      const seen = s.ips.get(ip);
      if (seen) seen.count++;
      else if (s.ips.size < MAX_IPS) s.ips.set(ip, { count: 1, first: e.time });
      if (s.reported.has(ip)) return null;
      const known = instanceAddresses(instance);
      const outside = known.length > 0 ? !known.includes(ip) : s.ips.size > 1 && !seen;
      if (!outside) return null;
      s.reported.add(ip);
      const h = hit(s, ip, known);
      return { ...h, evidence: { ...apiEvidence(e), ...h.evidence } };
    },
    flush(): HostHit[] {
      const out: HostHit[] = [];
      for (const s of sessions.values()) {
        const known = instanceAddresses(s.instance);
        if (known.length === 0 && s.ips.size < 2) continue;
        const busiest = [...s.ips].sort((a, b) => b[1].count - a[1].count)[0]?.[0];
        for (const [ip, v] of s.ips) {
          const outside = known.length > 0 ? !known.includes(ip) : ip !== busiest;
          if (outside || s.reported.has(ip))
            out.push({ ...hit(s, ip, known), hostId: s.hostId, time: v.first });
        }
      }
      return out;
    },
  };
}
