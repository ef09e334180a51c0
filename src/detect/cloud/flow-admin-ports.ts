import type { Entity } from '../../model/finding.js';
import { ACTION_REJECT, type FlowRecord, localText, remoteText } from '../../sources/cloud/flow-record.js';
import type { Hit, RuleMeta } from '../detector.js';
import { num } from '../detectors/fields.js';
import type { CloudDetector } from './engine.js';
import { onEventRecord } from './net.js';
import { inPorts, portTable } from './port-set.js';

export const ADMIN_PORTS: ReadonlyMap<number, string> = new Map([
  [22, 'ssh'],
  [3389, 'rdp'],
  [2375, 'docker'],
  [2376, 'docker-tls'],
  [6379, 'redis'],
]);
const ADMIN_TABLE = portTable(ADMIN_PORTS.keys());
/** Each admin port's place in a host's window list. */
const ADMIN_SLOT: ReadonlyMap<number, number> = new Map([...ADMIN_PORTS.keys()].map((p, i) => [p, i]));
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

/** Sample sources shown in the evidence. */
const SAMPLES = 10;

/** Sources are address keys (FlowRecord); the text of the first few is kept for the evidence. */
interface Window {
  start: number;
  accepted: Map<number, number>;
  acceptedNames: string[];
  acceptedFlows: number;
  rejected: Set<number>;
  /** rejected.size, kept here: once the set is full, a record reads this window object only. */
  rejectedSources: number;
  rejectedNames: string[];
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
export function flowAdminPortDetectors(config: Partial<AdminPortConfig> = {}): CloudDetector[] {
  const c = { ...DEFAULT_ADMIN_PORT_CONFIG, ...config };
  // Per host, one window per admin port (ADMIN_SLOT); `keys` counts the windows of all hosts.
  const windows = new Map<string, (Window | undefined)[]>();
  let keys = 0;
  let lastSeq = -1;
  // One result object, cleared for each record: the three rules read it right away.
  const lastHits: { exposed: Hit | null; brute: Hit | null; scan: Hit | null } = {
    exposed: null,
    brute: null,
    scan: null,
  };

  const none = { exposed: null, brute: null, scan: null };
  const observe = (r: FlowRecord): typeof lastHits => {
    const dp = r.dport;
    if (!inPorts(ADMIN_TABLE, dp)) return none;
    if (r.seq === lastSeq) return lastHits;
    lastSeq = r.seq;
    lastHits.exposed = null;
    lastHits.brute = null;
    lastHits.scan = null;
    if (r.fromLocal || r.localPort !== dp || !r.remotePublic) return lastHits;
    const service = ADMIN_PORTS.get(dp) as string;
    const at = ADMIN_SLOT.get(dp) as number;
    let byPort = windows.get(r.hostId);
    let w = byPort?.[at];
    if (!w || r.time - w.start > c.windowMs || r.time < w.start) {
      if (!w) {
        if (keys >= MAX_KEYS) {
          windows.clear();
          keys = 0;
          byPort = undefined;
        }
        keys++;
      }
      w = {
        start: r.time,
        accepted: new Map(),
        acceptedNames: [],
        acceptedFlows: 0,
        rejected: new Set(),
        rejectedSources: 0,
        rejectedNames: [],
        rejectedFlows: 0,
        bruteReported: false,
        scanReported: false,
      };
      if (!byPort) {
        byPort = new Array<Window | undefined>(ADMIN_SLOT.size).fill(undefined);
        windows.set(r.hostId, byPort);
      }
      byPort[at] = w;
    }
    if (r.action !== ACTION_REJECT) {
      w.acceptedFlows++;
      const n = (w.accepted.get(r.remote) ?? 0) + 1;
      if (n > 1 || w.accepted.size < MAX_SOURCES) {
        if (n === 1 && w.acceptedNames.length < SAMPLES) w.acceptedNames.push(remoteText(r));
        w.accepted.set(r.remote, n);
      }
      if (NEVER_PUBLIC.has(service)) {
        const e = r.event();
        lastHits.exposed = {
          entity: serviceEntity(r, dp, service),
          evidence: {
            service,
            from: remoteText(r),
            packets: num(e, 'flow.packets') ?? null,
            bytes: num(e, 'flow.bytes') ?? null,
            start: new Date(e.time).toISOString(),
            instance: e.fields['cloud.instanceId'] ?? e.fields['cloud.instanceName'] ?? null,
            source: e.source,
          },
        };
      } else if (!w.bruteReported && (w.accepted.size >= c.bruteSources || n >= c.bruteFlowsPerSource)) {
        w.bruteReported = true;
        lastHits.brute = {
          entity: serviceEntity(r, dp, service),
          evidence: windowEvidence(service, w, c.windowMs),
        };
      }
    } else {
      w.rejectedFlows++;
      if (w.rejectedSources < MAX_SOURCES && !w.rejected.has(r.remote)) {
        if (w.rejectedNames.length < SAMPLES) w.rejectedNames.push(remoteText(r));
        w.rejected.add(r.remote);
        w.rejectedSources++;
      }
      if (!w.scanReported && w.rejectedSources >= c.scanSources) {
        w.scanReported = true;
        lastHits.scan = {
          entity: serviceEntity(r, dp, service),
          evidence: windowEvidence(service, w, c.windowMs),
        };
      }
    }
    return lastHits;
  };

  const rule = (meta: RuleMeta, pick: (r: FlowRecord) => Hit | null): CloudDetector => ({
    meta,
    kinds: ['flow'],
    flow: pick,
    detect: onEventRecord(pick),
  });
  return [
    rule(exposedMeta, (r) => observe(r).exposed),
    rule(bruteMeta, (r) => observe(r).brute),
    rule(scanMeta, (r) => observe(r).scan),
  ];
}

function serviceEntity(r: FlowRecord, port: number, service: string): Entity {
  return { kind: 'service', port, name: service, ip: localText(r) };
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
    sampleSources: [...w.acceptedNames, ...w.rejectedNames].slice(0, SAMPLES),
  };
}
