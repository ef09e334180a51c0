import type { TelemetryEvent } from '../../model/event.js';
import type { Detector, Hit, RuleMeta } from '../detector.js';
import { num } from '../detectors/fields.js';
import { flowSides, isPublicIp } from './net.js';

export const ADMIN_PORTS: ReadonlyMap<number, string> = new Map([
  [22, 'ssh'],
  [3389, 'rdp'],
  [2375, 'docker'],
  [2376, 'docker-tls'],
  [6379, 'redis'],
]);
/** Services that should never answer the internet: one accepted flow is the finding. */
const NEVER_PUBLIC = new Set(['docker', 'docker-tls', 'redis']);

export interface AdminPortConfig {
  windowMs: number;
  /** Distinct internet sources accepted on SSH/RDP within the window that make it brute force. */
  bruteSources: number;
  /** Accepted flows from one source within the window that make it brute force. */
  bruteFlowsPerSource: number;
  /** Distinct internet sources rejected within the window that make it a scan. */
  scanSources: number;
}
export const DEFAULT_ADMIN_PORT_CONFIG: AdminPortConfig = {
  windowMs: 10 * 60_000,
  bruteSources: 10,
  bruteFlowsPerSource: 20,
  scanSources: 10,
};

/** Distinct sources kept per window: enough to pass any threshold and show samples; beyond it flows are counted. */
const MAX_SOURCES = 64;
const MAX_KEYS = 100_000;

interface Window {
  start: number;
  accepted: Map<string, number>;
  acceptedFlows: number;
  rejected: Set<string>;
  rejectedFlows: number;
  bruteReported: boolean;
  scanReported: boolean;
}

const exposedMeta: RuleMeta = {
  id: 'cloud.flow.admin-exposed',
  title: 'Docker API or Redis answered the internet',
  severity: 'high',
  confidence: 0.8,
  category: 'initial-access',
  techniques: ['T1190', 'T1133'],
  recommendation:
    'Close the port to the internet in the security group/NSG/firewall now; Docker API and Redis exposed this way are how mining campaigns (TeamTNT, Kinsing, 8220) get in. Then check the host for miners and new containers.',
  falsePositives: 'A deliberately public, authenticated TLS Docker endpoint (rare).',
};
const bruteMeta: RuleMeta = {
  id: 'cloud.flow.admin-brute-force',
  title: 'SSH or RDP accepted from many internet sources',
  severity: 'medium',
  confidence: 0.6,
  category: 'credential-access',
  techniques: ['T1110', 'T1133'],
  recommendation:
    'Restrict SSH/RDP to known addresses or a bastion/SSM, check the host auth log (minewarden logs) for a success among the attempts.',
  falsePositives: 'Bastions and SFTP servers meant to take connections from anywhere.',
};
const scanMeta: RuleMeta = {
  id: 'cloud.flow.admin-scan',
  title: 'Admin ports probed from the internet (rejected)',
  severity: 'low',
  confidence: 0.5,
  category: 'discovery',
  techniques: ['T1595'],
  recommendation:
    'Nothing got through; keep the rule that rejected it. Useful as context if something else fires.',
  falsePositives: 'Internet-wide scanners probe every address; this is background noise on its own.',
};

/**
 * Inbound SSH, RDP, Docker and Redis from the internet, in tumbling windows per host and port: accepted flows to
 * Docker/Redis (exposed), many accepted sources or repeated flows on SSH/RDP (brute force), many rejected sources
 * (scanning). Three rules over one shared state.
 */
export function flowAdminPortDetectors(config: Partial<AdminPortConfig> = {}): Detector[] {
  const c = { ...DEFAULT_ADMIN_PORT_CONFIG, ...config };
  const windows = new Map<string, Window>();
  let lastEvent: TelemetryEvent | null = null;
  let lastHits: { exposed: Hit | null; brute: Hit | null; scan: Hit | null } = {
    exposed: null,
    brute: null,
    scan: null,
  };

  const none = { exposed: null, brute: null, scan: null };
  const observe = (e: TelemetryEvent): typeof lastHits => {
    const dp = e.fields['destination.port'];
    if (typeof dp !== 'number' || !ADMIN_PORTS.has(dp)) return none;
    if (e === lastEvent) return lastHits;
    lastEvent = e;
    lastHits = { exposed: null, brute: null, scan: null };
    const s = flowSides(e);
    if (!s || s.fromLocal || s.localPort !== dp || !isPublicIp(s.remote)) return lastHits;
    const service = ADMIN_PORTS.get(dp) as string;
    const key = `${e.hostId}\u0000${dp}`;
    let w = windows.get(key);
    if (!w || e.time - w.start > c.windowMs || e.time < w.start) {
      if (!w && windows.size >= MAX_KEYS) windows.clear();
      w = {
        start: e.time,
        accepted: new Map(),
        acceptedFlows: 0,
        rejected: new Set(),
        rejectedFlows: 0,
        bruteReported: false,
        scanReported: false,
      };
      windows.set(key, w);
    }
    const entity = { kind: 'service' as const, port: dp, name: service, ip: s.local };
    const accepted = e.fields['flow.action'] !== 'reject';
    if (accepted) {
      w.acceptedFlows++;
      const n = (w.accepted.get(s.remote) ?? 0) + 1;
      if (n > 1 || w.accepted.size < MAX_SOURCES) w.accepted.set(s.remote, n);
      if (NEVER_PUBLIC.has(service))
        lastHits.exposed = {
          entity,
          evidence: {
            service,
            from: s.remote,
            packets: num(e, 'flow.packets') ?? null,
            bytes: num(e, 'flow.bytes') ?? null,
            start: new Date(e.time).toISOString(),
            instance: e.fields['cloud.instanceId'] ?? e.fields['cloud.instanceName'] ?? null,
            source: e.source,
          },
        };
      else if (!w.bruteReported && (w.accepted.size >= c.bruteSources || n >= c.bruteFlowsPerSource)) {
        w.bruteReported = true;
        lastHits.brute = { entity, evidence: windowEvidence(service, w, c.windowMs) };
      }
    } else {
      w.rejectedFlows++;
      if (w.rejected.size < MAX_SOURCES) w.rejected.add(s.remote);
      if (!w.scanReported && w.rejected.size >= c.scanSources) {
        w.scanReported = true;
        lastHits.scan = { entity, evidence: windowEvidence(service, w, c.windowMs) };
      }
    }
    return lastHits;
  };

  return [
    { meta: exposedMeta, kinds: ['flow'], detect: (e) => observe(e).exposed },
    { meta: bruteMeta, kinds: ['flow'], detect: (e) => observe(e).brute },
    { meta: scanMeta, kinds: ['flow'], detect: (e) => observe(e).scan },
  ];
}

function windowEvidence(service: string, w: Window, windowMs: number): Record<string, unknown> {
  return {
    service,
    windowStart: new Date(w.start).toISOString(),
    windowMinutes: windowMs / 60_000,
    // Distinct sources are counted up to MAX_SOURCES (shown as "64+").
    acceptedSources: w.accepted.size < MAX_SOURCES ? w.accepted.size : `${MAX_SOURCES}+`,
    acceptedFlows: w.acceptedFlows,
    rejectedSources: w.rejected.size < MAX_SOURCES ? w.rejected.size : `${MAX_SOURCES}+`,
    rejectedFlows: w.rejectedFlows,
    sampleSources: [...w.accepted.keys(), ...w.rejected].slice(0, 10),
  };
}
