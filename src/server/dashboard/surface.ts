import type { Finding } from '../../model/finding.js';
import type { Inventory } from '../../store/types.js';
import { isPostureFinding } from './classify.js';

/**
 * The fleet's attack surface from what agents ship: listeners (inventory) and posture findings. Paths run
 * internet -> port -> service -> host -> gain and are scored like `posture --paths` (src/posture/paths/graph.ts):
 * exposure x exploitability x known use by mining groups x impact, 0..100. The live posture run has more facts
 * (cloud rules, probes); the fleet view has only what was stored, so it is a coarser map of the same thing.
 */
export interface SurfaceNode {
  id: string;
  kind: 'internet' | 'port' | 'service' | 'host' | 'gain';
  label: string;
  hostId?: string;
}

export interface SurfacePath {
  score: number;
  hostId: string;
  hostName: string;
  nodes: string[];
  weaknesses: string[];
}

export interface Surface {
  nodes: SurfaceNode[];
  edges: Array<{ source: string; target: string }>;
  paths: SurfacePath[];
}

export interface SurfaceHost {
  id: string;
  name: string;
  inventory: Inventory | null;
  findings: readonly Finding[];
}

const MINING_WEAKNESSES =
  /^posture\.host\.(unauthenticated-service|docker-tcp-no-tls|redis-no-auth|ssh-password-auth|ssh-root-login)$/;

function exploitability(ws: readonly Finding[]): number {
  let best = 0.2;
  for (const w of ws) {
    const v =
      w.ruleId === 'posture.host.unauthenticated-service' || w.ruleId === 'posture.host.docker-tcp-no-tls'
        ? 1
        : w.ruleId === 'posture.vuln.package'
          ? w.evidence.kev || w.evidence.miningGroups
            ? 0.9
            : 0.6
          : w.ruleId === 'posture.host.redis-no-auth'
            ? 0.8
            : w.ruleId.startsWith('posture.host.ssh-')
              ? 0.5
              : 0.3;
    best = Math.max(best, v);
  }
  return best;
}

function gainOf(service: string | null, ws: readonly Finding[], all: readonly Finding[]): [string, number] {
  if (all.some((f) => f.ruleId === 'posture.cloud.imdsv1-allowed')) return ['cloud credentials (IMDSv1)', 1];
  if (service === 'dockerd' || ws.some((w) => w.ruleId === 'posture.host.docker-tcp-no-tls'))
    return ['root on the host (Docker API)', 0.9];
  if (service === 'sshd') return ['shell on the host', 0.9];
  return [`code execution as ${service ?? 'the service'}`, 0.6];
}

function weaknessesFor(port: number, service: string | null, findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => {
    if (!isPostureFinding(f)) return false;
    if (f.entity.port === port) return true;
    if (service === 'sshd') return f.ruleId.startsWith('posture.host.ssh-');
    if (service?.startsWith('redis')) return f.ruleId === 'posture.host.redis-no-auth';
    if (service === 'dockerd') return f.ruleId === 'posture.host.docker-tcp-no-tls';
    return false;
  });
}

export function buildSurface(hosts: readonly SurfaceHost[], limit = 200): Surface {
  const nodes = new Map<string, SurfaceNode>([
    ['internet', { id: 'internet', kind: 'internet', label: 'internet' }],
  ]);
  const edges = new Set<string>();
  const paths: SurfacePath[] = [];
  const link = (a: string, b: string) => edges.add(`${a}\u0000${b}`);
  for (const h of hosts) {
    const listeners = (h.inventory?.listeners ?? []).filter((l) => l.scope === 'any' || l.scope === 'public');
    const seen = new Set<string>();
    for (const l of listeners) {
      const key = `${l.transport}/${l.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const service = l.process ?? null;
      const ws = weaknessesFor(l.port, service, h.findings);
      const exposure = l.scope === 'public' ? 1 : 0.7;
      const knownUse = ws.some((w) => MINING_WEAKNESSES.test(w.ruleId) || w.evidence.miningGroups) ? 1 : 0.5;
      const [gain, impact] = gainOf(service, ws, h.findings);
      const score = Math.round(exposure * exploitability(ws) * knownUse * impact * 100);
      const portId = `port:${key}`;
      const svcId = `svc:${h.id}:${key}`;
      const hostId = `host:${h.id}`;
      const gainId = `gain:${h.id}:${gain}`;
      nodes.set(portId, { id: portId, kind: 'port', label: key });
      nodes.set(svcId, { id: svcId, kind: 'service', label: service ?? `?:${l.port}`, hostId: h.id });
      nodes.set(hostId, { id: hostId, kind: 'host', label: h.name, hostId: h.id });
      nodes.set(gainId, { id: gainId, kind: 'gain', label: gain, hostId: h.id });
      link('internet', portId);
      link(portId, svcId);
      link(svcId, hostId);
      link(hostId, gainId);
      paths.push({
        score,
        hostId: h.id,
        hostName: h.name,
        nodes: ['internet', portId, svcId, hostId, gainId],
        weaknesses: ws.map((w) => w.title),
      });
    }
  }
  paths.sort((a, b) => b.score - a.score || a.hostName.localeCompare(b.hostName));
  // The graph draws the highest-ranked paths only: a thousand hosts' every port would be a hairball.
  const kept = paths.slice(0, limit);
  const used = new Set(kept.flatMap((p) => p.nodes));
  return {
    nodes: [...nodes.values()].filter((n) => used.has(n.id)),
    edges: [...edges]
      .map((e) => {
        const [source, target] = e.split('\u0000') as [string, string];
        return { source, target };
      })
      .filter((e) => used.has(e.source) && used.has(e.target)),
    paths: kept,
  };
}
