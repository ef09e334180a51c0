import { redisLoopbackOnly } from '../host/services.js';
import { type PostureCheck, type PostureHit, uniqLines } from './check.js';

function isLoopbackHost(url: string): boolean {
  const host = /^tcp:\/\/(\[[^\]]*\]|[^:/]*)/.exec(url)?.[1] ?? '';
  return host === 'localhost' || host.startsWith('127.') || host === '[::1]';
}

/** The Docker API without TLS client auth is root on the host for anyone who reaches the port (Kinsing, TeamTNT). */
export const dockerTcpNoTls: PostureCheck = {
  meta: {
    id: 'posture.host.docker-tcp-no-tls',
    title: 'Docker daemon listens on TCP without TLS client verification',
    severity: 'critical',
    confidence: 0.95,
    category: 'posture',
    techniques: ['T1190', 'T1610'],
    remediation:
      'Remove -H tcp://... (use the unix socket or SSH: DOCKER_HOST=ssh://host), or run with --tlsverify and client certificates.',
    references: ['https://docs.docker.com/engine/security/protect-access/'],
  },
  run(a) {
    const out: PostureHit[] = [];
    for (const e of a.host?.docker ?? []) {
      if (e.tlsverify) continue;
      out.push({
        resource: { address: 'dockerd', type: 'docker-daemon', file: e.file, line: e.line, source: 'host' },
        line: e.line,
        lines: uniqLines(e.line),
        key: `${e.file}:${e.value}`,
        ...(isLoopbackHost(e.value) ? { severity: 'medium' as const } : {}),
        evidence: { host: e.value, tlsverify: false, loopback: isLoopbackHost(e.value) },
      });
    }
    return out;
  },
};

/** Redis without a password lets anyone who connects write a cron file or an SSH key (CONFIG SET dir). */
export const redisNoAuth: PostureCheck = {
  meta: {
    id: 'posture.host.redis-no-auth',
    title: 'Redis has no password',
    severity: 'high',
    confidence: 0.9,
    category: 'posture',
    techniques: ['T1190'],
    remediation:
      'Set requirepass (or ACL users with passwords), keep bind 127.0.0.1 -::1 and protected-mode yes, and rename or disable CONFIG.',
    references: ['https://redis.io/docs/latest/operate/oss_and_stack/management/security/'],
  },
  run(a) {
    const out: PostureHit[] = [];
    for (const r of a.host?.redis ?? []) {
      if (r.requirepass || r.aclPasswords) continue;
      const loopback = redisLoopbackOnly(r);
      const protectedOff = r.protectedMode?.value.toLowerCase() === 'no';
      // Protected mode refuses outside clients only while no bind is set and no password exists.
      const severity = loopback ? 'low' : protectedOff || r.bind ? 'critical' : 'medium';
      const line = r.bind?.line ?? r.protectedMode?.line ?? 1;
      out.push({
        resource: { address: 'redis-server', type: 'redis.conf', file: r.file, line, source: 'host' },
        line,
        lines: uniqLines(line, r.protectedMode?.line),
        key: r.file,
        severity,
        evidence: {
          requirepass: '(not set)',
          bind: r.bind?.value ?? '(not set: all interfaces)',
          'protected-mode': r.protectedMode?.value ?? '(not set: yes)',
        },
      });
    }
    return out;
  },
};

export const worldWritablePersistence: PostureCheck = {
  meta: {
    id: 'posture.host.world-writable-persistence',
    title: 'Cron or systemd path is writable by every user',
    severity: 'high',
    confidence: 0.95,
    category: 'posture',
    techniques: ['T1053.003', 'T1543.002'],
    remediation: 'chmod o-w the path (root:root 0644 files, 0755 directories); check what was written there.',
    references: ['https://man7.org/linux/man-pages/man5/crontab.5.html'],
  },
  run(a) {
    return (a.host?.writable ?? []).map((w) => ({
      resource: { address: w.path, type: w.kind, file: w.path, line: 0, source: 'host' as const },
      line: 0,
      lines: [],
      key: w.path,
      evidence: { path: w.path, mode: w.mode, kind: w.kind },
    }));
  },
};

export const HOST_SERVICE_CHECKS: readonly PostureCheck[] = [
  dockerTcpNoTls,
  redisNoAuth,
  worldWritablePersistence,
];
