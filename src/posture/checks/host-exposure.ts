import type { ExposedListener } from '../host/exposure.js';
import type { ProbeKind } from '../host/probes.js';
import type { PostureCheck, PostureHit } from './check.js';

/** Services mining groups scan for; reachable from outside loopback they are worth a look even with auth. */
const RISKY = new Set([
  'dockerd',
  'redis',
  'kubelet',
  'etcd',
  'mongodb',
  'elasticsearch',
  'jupyter',
  'hadoop-yarn',
  'weblogic',
  'confluence',
  'activemq',
  'saltstack',
]);

function listenerRef(l: Pick<ExposedListener, 'ip' | 'port' | 'transport'>) {
  return {
    address: `${l.transport}/${l.ip}:${l.port}`,
    type: 'listener',
    file: '',
    line: 0,
    source: 'host' as const,
  };
}

export const serviceExposed: PostureCheck = {
  meta: {
    id: 'posture.host.service-exposed',
    title: 'A service mining groups target listens beyond loopback',
    severity: 'medium',
    confidence: 0.8,
    category: 'posture',
    techniques: ['T1190', 'T1133'],
    remediation:
      'Bind the service to 127.0.0.1 (or a private interface behind a firewall) unless clients outside need it.',
    references: ['https://redis.io/docs/latest/operate/oss_and_stack/management/security/'],
  },
  run(a) {
    const out: PostureHit[] = [];
    for (const l of a.host?.listeners ?? []) {
      if (l.scope === 'loopback' || !l.service || !RISKY.has(l.service)) continue;
      out.push({
        resource: listenerRef(l),
        line: 0,
        lines: [],
        key: `${l.transport}:${l.ip}:${l.port}`,
        port: l.port,
        title: `${l.service} listens on ${l.ip}:${l.port} (${l.scope})`,
        ...(l.scope === 'public' || l.scope === 'any' ? {} : { severity: 'low' as const }),
        evidence: {
          service: l.service,
          ip: l.ip,
          port: l.port,
          scope: l.scope,
          pid: l.pid,
          exe: l.exe,
          user: l.user,
        },
      });
    }
    return out;
  },
};

const PROBE_TITLES: Record<ProbeKind, string> = {
  redis: 'Redis answers without a password',
  docker: 'Docker API answers without authentication',
  kubelet: 'kubelet API lists pods without authentication',
  'kubelet-readonly': 'kubelet read-only port lists pods',
  etcd: 'etcd answers without client authentication',
};

export const probeUnauthenticated: PostureCheck = {
  meta: {
    id: 'posture.host.unauthenticated-service',
    title: 'A service answered a live probe without credentials',
    severity: 'critical',
    confidence: 1,
    category: 'posture',
    techniques: ['T1190'],
    remediation:
      'Require authentication (Redis requirepass/ACL, Docker --tlsverify, kubelet --anonymous-auth=false with webhook authz, etcd --client-cert-auth) and bind to loopback.',
    references: [
      'https://docs.docker.com/engine/security/protect-access/',
      'https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/',
    ],
  },
  run(a) {
    const out: PostureHit[] = [];
    for (const p of a.host?.probes ?? []) {
      if (!p.unauthenticated) continue;
      const listener = a.host?.listeners.find((l) => l.port === p.port && l.transport === 'tcp');
      out.push({
        resource: listenerRef({ ip: listener?.ip ?? p.host, port: p.port, transport: 'tcp' }),
        line: 0,
        lines: [],
        key: `${p.kind}:${p.port}`,
        port: p.port,
        title: PROBE_TITLES[p.kind],
        // Reachable from everywhere is critical; loopback-only still serves local users and SSRF, so it stays medium.
        severity:
          listener?.scope === 'loopback'
            ? 'medium'
            : listener?.scope === 'private' || p.kind === 'etcd' || p.kind === 'kubelet-readonly'
              ? 'high'
              : 'critical',
        evidence: {
          probe: p.kind,
          target: `${p.host}:${p.port}`,
          response: p.response,
          ...(p.version ? { version: p.version } : {}),
          ...(listener
            ? {
                bind: listener.ip,
                scope: listener.scope,
                pid: listener.pid,
                exe: listener.exe,
                user: listener.user,
              }
            : {}),
        },
      });
    }
    return out;
  },
};

/** Open-port monitoring: a port that opened, widened its bind, or closed since the previous run. */
export const portChanged: PostureCheck = {
  meta: {
    id: 'posture.host.port-changed',
    title: 'A listening port changed since the last run',
    severity: 'medium',
    confidence: 0.9,
    category: 'posture',
    techniques: ['T1133', 'T1571'],
    remediation:
      'Confirm the new listener is expected (a deploy, a package); if not, find its process (evidence.pid/exe) and stop it.',
    references: ['https://man7.org/linux/man-pages/man8/ss.8.html'],
  },
  run(a) {
    return (a.host?.portChanges ?? []).map((c) => {
      const e = c.entry;
      const wide = e.scope === 'any' || e.scope === 'public';
      const severity = c.change === 'closed' ? 'info' : c.change === 'widened' || wide ? 'high' : 'medium';
      const verb =
        c.change === 'opened'
          ? 'opened'
          : c.change === 'closed'
            ? 'closed'
            : `widened from ${c.previous?.scope}`;
      return {
        resource: listenerRef({ ip: e.ip, port: e.port, transport: e.transport }),
        line: 0,
        lines: [],
        key: `${c.change}:${e.transport}:${e.port}`,
        port: e.port,
        title: `${e.transport.toUpperCase()} port ${e.port} ${verb} (${e.ip}, ${e.scope})`,
        severity,
        evidence: {
          change: c.change,
          transport: e.transport,
          port: e.port,
          bind: e.ip,
          scope: e.scope,
          ...(c.previous ? { previousBind: c.previous.ip, previousScope: c.previous.scope } : {}),
          pid: e.pid,
          exe: e.exe,
          user: e.user,
          service: e.service,
          observedAt: c.time,
          previousRun: c.since,
        },
      } satisfies PostureHit;
    });
  },
};
export const HOST_EXPOSURE_CHECKS: readonly PostureCheck[] = [
  serviceExposed,
  probeUnauthenticated,
  portChanged,
];
