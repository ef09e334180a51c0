import type { Finding } from '../../model/finding.js';
import type { Assets } from '../assets.js';
import { includesPort, isOpenToWorld } from '../collectors/net-rule.js';

/**
 * Attack paths: internet -> exposed port -> service weakness -> host -> what the attacker gains. Built from the
 * findings and the assets of one posture run; nothing is probed or guessed beyond what those show.
 *
 * Score (0-100) = exposure x exploitability x known use by mining groups x impact, each factor 0..1:
 * - exposure: a wildcard/public listener that a cloud rule also opens 1.0; such a listener alone 0.7 (a firewall
 *   may still stand in front); a cloud rule alone (no host data) 0.6; a private-address listener 0.3.
 * - exploitability: answered a live probe without credentials, or Docker API without TLS 1.0; a vulnerability in
 *   KEV or used by mining groups 0.9; another known vulnerability 0.6; SSH with passwords 0.5; an open port with no
 *   known weakness 0.2.
 * - known use: the weakness is one mining groups are reported to use (unauthenticated Redis/Docker/kubelet, SSH
 *   brute force, the tagged CVEs) 1.0; otherwise 0.5.
 * - impact: the best gain on the path: cloud credentials or an instance role reachable through IMDSv1 1.0; root on
 *   the host (Docker socket, service running as root) 0.9; code execution as the service user 0.6.
 */
export interface PathNode {
  kind: 'internet' | 'exposure' | 'weakness' | 'host' | 'gain';
  label: string;
  ruleId?: string;
  findingId?: string;
}

export interface AttackPath {
  score: number;
  factors: { exposure: number; exploitability: number; knownUse: number; impact: number };
  nodes: PathNode[];
  gains: PathNode[];
}

export interface HostGains {
  dockerSocket?: string;
  cloudCredentials: string[];
}

const MINING_WEAKNESSES = new Set([
  'posture.host.unauthenticated-service',
  'posture.host.docker-tcp-no-tls',
  'posture.host.redis-no-auth',
  'posture.host.ssh-password-auth',
  'posture.host.ssh-root-login',
]);

function exploitability(f: Finding): number {
  if (f.ruleId === 'posture.host.unauthenticated-service' || f.ruleId === 'posture.host.docker-tcp-no-tls')
    return 1;
  if (f.ruleId === 'posture.vuln.package') return f.evidence.kev || f.evidence.miningGroups ? 0.9 : 0.6;
  if (f.ruleId === 'posture.host.ssh-password-auth' || f.ruleId === 'posture.host.ssh-root-login') return 0.5;
  if (f.ruleId === 'posture.host.redis-no-auth') return 0.8;
  return 0.2;
}

function knownUse(f: Finding): number {
  if (MINING_WEAKNESSES.has(f.ruleId)) return 1;
  return Array.isArray(f.evidence.miningGroups) && f.evidence.miningGroups.length > 0 ? 1 : 0.5;
}

/** Which findings are weaknesses of the service behind a listener. */
const SERVICE_PACKAGES: Record<string, RegExp> = {
  redis: /^redis$/,
  confluence: /^confluence$/,
  activemq: /activemq/,
  weblogic: /^weblogic$/,
  saltstack: /^salt$/,
  sshd: /^openssh$/,
};

function weaknessesFor(service: string | undefined, port: number, findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => {
    if (f.ruleId === 'posture.host.unauthenticated-service') return f.entity.port === port;
    if (service === 'sshd')
      return f.ruleId === 'posture.host.ssh-password-auth' || f.ruleId === 'posture.host.ssh-root-login';
    if (service === 'dockerd') return f.ruleId === 'posture.host.docker-tcp-no-tls';
    if (service === 'redis' && f.ruleId === 'posture.host.redis-no-auth') return true;
    const re = service ? SERVICE_PACKAGES[service] : undefined;
    return f.ruleId === 'posture.vuln.package' && re !== undefined && re.test(String(f.evidence.package));
  });
}

export function buildAttackPaths(
  assets: Assets,
  findings: readonly Finding[],
  hostName: string,
  gains: HostGains,
): AttackPath[] {
  const out: AttackPath[] = [];
  const worldRules = assets.rules.filter((r) => r.action === undefined && isOpenToWorld(r));
  const instanceGains: PathNode[] = findings
    .filter((f) => f.ruleId === 'posture.cloud.imdsv1-allowed')
    .flatMap((f) => {
      const inst = assets.instances.find((i) => i.resource.address === f.entity.name);
      return inst?.role
        ? [
            {
              kind: 'gain' as const,
              label: `instance role ${inst.role} through IMDSv1 (${inst.resource.address})`,
              findingId: f.id,
            },
          ]
        : [];
    });
  const hostGainNodes: PathNode[] = [
    ...(gains.dockerSocket
      ? [{ kind: 'gain' as const, label: `root on the host through ${gains.dockerSocket}` }]
      : []),
    ...gains.cloudCredentials.map((c) => ({ kind: 'gain' as const, label: `cloud credentials in ${c}` })),
    ...instanceGains,
  ];

  for (const l of assets.host?.listeners ?? []) {
    if (l.scope === 'loopback' || l.transport !== 'tcp') continue;
    const weak = weaknessesFor(l.service, l.port, findings);
    if (weak.length === 0) continue;
    const cloudOpen = worldRules.some((r) => includesPort(r, l.port));
    const exposure = l.scope === 'private' ? 0.3 : cloudOpen ? 1 : 0.7;
    const asRoot = l.user === 'root';
    const gainNodes = [
      ...hostGainNodes,
      ...(asRoot
        ? [{ kind: 'gain' as const, label: `root: ${l.service ?? 'the service'} runs as root` }]
        : []),
    ];
    const impact = gainNodes.some((g) => /credentials|instance role/.test(g.label))
      ? 1
      : gainNodes.length
        ? 0.9
        : 0.6;
    for (const w of weak) {
      const factors = { exposure, exploitability: exploitability(w), knownUse: knownUse(w), impact };
      out.push({
        score: Math.round(
          factors.exposure * factors.exploitability * factors.knownUse * factors.impact * 100,
        ),
        factors,
        nodes: [
          { kind: 'internet', label: 'internet' },
          {
            kind: 'exposure',
            label:
              `tcp/${l.ip}:${l.port} ${l.service ?? ''} (${l.scope}${cloudOpen ? ', open in a cloud rule' : ''})`.replace(
                '  ',
                ' ',
              ),
          },
          { kind: 'weakness', label: w.title, ruleId: w.ruleId, findingId: w.id },
          { kind: 'host', label: `${hostName}${l.exe ? ` (${l.exe}${l.user ? ` as ${l.user}` : ''})` : ''}` },
        ],
        gains: gainNodes,
      });
    }
  }

  // Without host data, the cloud side alone still shows which instances an open rule exposes and what they carry.
  if (!assets.host) {
    for (const f of findings) {
      if (
        f.ruleId !== 'posture.cloud.ingress-remote-admin' &&
        f.ruleId !== 'posture.cloud.ingress-service-port' &&
        f.ruleId !== 'posture.cloud.ingress-all-ports'
      )
        continue;
      const sg = String(f.entity.name).split(' ')[0]!;
      const sgName = sg.replace(/^aws_security_group\./, '');
      const instances = assets.instances.filter((i) =>
        i.securityGroups.some((g) => g === sg || g.includes(`.${sgName}.`)),
      );
      for (const inst of instances.length ? instances : [undefined]) {
        const g = inst && instanceGains.filter((n) => n.label.endsWith(`(${inst.resource.address})`));
        const factors = {
          exposure: 0.6,
          exploitability: f.entity.port === 22 ? 0.4 : 0.2,
          knownUse: 1,
          impact: g?.length ? 1 : 0.6,
        };
        out.push({
          score: Math.round(
            factors.exposure * factors.exploitability * factors.knownUse * factors.impact * 100,
          ),
          factors,
          nodes: [
            { kind: 'internet', label: 'internet' },
            { kind: 'exposure', label: `${f.title} (${f.entity.name})`, ruleId: f.ruleId, findingId: f.id },
            ...(inst ? [{ kind: 'host' as const, label: inst.resource.address }] : []),
          ],
          gains: g ?? [],
        });
      }
    }
  }
  return out.sort((a, b) => b.score - a.score || a.nodes[1]!.label.localeCompare(b.nodes[1]!.label));
}
