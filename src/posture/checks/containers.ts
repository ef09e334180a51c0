import type { ContainerSpec, HostMount, Workload } from '../assets.js';
import { type PostureCheck, type PostureHit, uniqLines } from './check.js';

const PSS = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/';
const DOCKER_SEC = 'https://docs.docker.com/engine/security/';

/** Sockets that give whoever can write them root on the node (start a privileged container). */
const RUNTIME_SOCKETS = [
  '/var/run/docker.sock',
  '/run/docker.sock',
  '/var/run/containerd/containerd.sock',
  '/run/containerd/containerd.sock',
  '/var/run/crio/crio.sock',
  '/run/crio/crio.sock',
];
/** Directories that contain those sockets. */
const SOCKET_DIRS = ['/var/run', '/run', '/var/run/containerd', '/run/containerd', '/var/run/crio'];

function normPath(p: string): string {
  const s = p.replace(/\/+/g, '/').replace(/\/$/, '');
  return s === '' ? '/' : s;
}

export function isRuntimeSocket(p: string): boolean {
  const n = normPath(p);
  return RUNTIME_SOCKETS.includes(n) || SOCKET_DIRS.includes(n);
}

/** Host paths whose mount lets a container read secrets or change the host; runtime sockets have their own check. */
const SENSITIVE_PREFIXES = [
  '/etc',
  '/proc',
  '/sys',
  '/dev',
  '/boot',
  '/root',
  '/home',
  '/var/lib/kubelet',
  '/var/lib/docker',
  '/var/lib/containerd',
  '/etc/kubernetes',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib64',
  '/var/log',
  '/var/lib',
  '/var',
];

export function isSensitiveHostPath(p: string): boolean {
  const n = normPath(p);
  if (n === '/') return true;
  if (isRuntimeSocket(n)) return false;
  return SENSITIVE_PREFIXES.some((s) => n === s || n.startsWith(`${s}/`));
}

export function hit(
  w: Workload,
  line: number,
  lines: number[],
  key: string,
  evidence: Record<string, unknown>,
): PostureHit {
  return {
    resource: w.resource,
    line,
    lines: uniqLines(w.resource.line, ...lines, line),
    key,
    evidence: { kind: w.kind, ...(w.namespace ? { namespace: w.namespace } : {}), ...evidence },
  };
}

export function perContainer(
  a: { workloads: Workload[] },
  test: (c: ContainerSpec, w: Workload) => PostureHit | PostureHit[] | undefined,
): PostureHit[] {
  const out: PostureHit[] = [];
  for (const w of a.workloads)
    for (const c of w.containers) {
      const h = test(c, w);
      if (h) out.push(...(Array.isArray(h) ? h : [h]));
    }
  return out;
}

export const privilegedContainer: PostureCheck = {
  meta: {
    id: 'posture.container.privileged',
    title: 'Container runs privileged',
    severity: 'high',
    confidence: 0.95,
    category: 'posture',
    techniques: ['T1611', 'T1610'],
    remediation:
      'Remove privileged: true; grant only the capabilities the process needs (securityContext.capabilities.add).',
    references: [PSS, DOCKER_SEC],
  },
  run: (a) =>
    perContainer(a, (c, w) =>
      c.privileged?.value
        ? hit(w, c.privileged.line, [c.line], c.name, { container: c.name, privileged: true })
        : undefined,
    ),
};

function namespaceCheck(
  id: string,
  field: 'hostPID' | 'hostIPC' | 'hostNetwork',
  title: string,
  severity: 'high' | 'medium',
): PostureCheck {
  return {
    meta: {
      id,
      title,
      severity,
      confidence: 0.95,
      category: 'posture',
      techniques: ['T1611'],
      remediation: `Remove ${field}: true (compose: pid/ipc/network_mode "host") unless this is a node agent that needs it.`,
      references: [PSS],
    },
    run(a) {
      const out: PostureHit[] = [];
      for (const w of a.workloads) {
        const v = w[field];
        if (v?.value) out.push(hit(w, v.line, [], field, { [field]: true }));
      }
      return out;
    },
  };
}

export const hostPid = namespaceCheck(
  'posture.container.host-pid',
  'hostPID',
  'Shares the host process namespace',
  'high',
);
export const hostIpc = namespaceCheck(
  'posture.container.host-ipc',
  'hostIPC',
  'Shares the host IPC namespace',
  'medium',
);
export const hostNetwork = namespaceCheck(
  'posture.container.host-network',
  'hostNetwork',
  'Shares the host network namespace',
  'medium',
);

export const dockerSocket: PostureCheck = {
  meta: {
    id: 'posture.container.runtime-socket',
    title: 'Container runtime socket (docker.sock) is mounted',
    severity: 'critical',
    confidence: 0.95,
    category: 'posture',
    techniques: ['T1611', 'T1610'],
    remediation:
      'Do not mount docker.sock/containerd.sock; use a socket proxy with a read-only allow-list, or the Kubernetes API with RBAC.',
    references: [PSS, 'https://docs.docker.com/engine/security/protect-access/'],
  },
  run(a) {
    const out: PostureHit[] = [];
    for (const w of a.workloads)
      for (const v of w.hostVolumes)
        if (isRuntimeSocket(v.path))
          out.push(
            hit(w, v.line, v.declLine ? [v.declLine] : [], `${v.name}:${v.line}`, {
              hostPath: v.path,
              volume: v.name,
            }),
          );
    return out;
  },
};

function mountHits(w: Workload, c: ContainerSpec | undefined, m: HostMount, name: string): PostureHit {
  return hit(w, m.line, [m.mountLine ?? m.line], `${name}:${m.line}`, {
    ...(c ? { container: c.name } : {}),
    hostPath: m.path,
    readOnly: m.readOnly,
  });
}

export const sensitiveHostMount: PostureCheck = {
  meta: {
    id: 'posture.container.sensitive-host-mount',
    title: 'Sensitive host directory is mounted into a container',
    severity: 'high',
    confidence: 0.85,
    category: 'posture',
    techniques: ['T1611', 'T1552.001'],
    remediation:
      'Mount only application directories; never /, /etc, /proc, /sys, /root, /var/lib/kubelet. Use read-only mounts where a host path is unavoidable.',
    references: [PSS],
  },
  run(a) {
    const out: PostureHit[] = [];
    for (const w of a.workloads)
      for (const v of w.hostVolumes)
        if (isSensitiveHostPath(v.path)) out.push(mountHits(w, undefined, v, v.name));
    return out;
  },
};

export const sysAdminCapability: PostureCheck = {
  meta: {
    id: 'posture.container.sys-admin',
    title: 'Container is given CAP_SYS_ADMIN (or ALL capabilities)',
    severity: 'high',
    confidence: 0.9,
    category: 'posture',
    techniques: ['T1611'],
    remediation: 'Drop SYS_ADMIN/ALL from capabilities.add (compose: cap_add); add only narrow capabilities.',
    references: [PSS, 'https://man7.org/linux/man-pages/man7/capabilities.7.html'],
  },
  run: (a) =>
    perContainer(a, (c, w) =>
      c.capAdd
        .filter((cap) => /^(CAP_)?(SYS_ADMIN|ALL)$/i.test(cap.name))
        .map((cap) =>
          hit(w, cap.line, [c.line, c.capAddLine ?? cap.line], `${c.name}:${cap.name}`, {
            container: c.name,
            capability: cap.name,
          }),
        ),
    ),
};

/** Explicit true is a finding; unset is reported low because the kernel default lets setuid binaries escalate. */
export const privilegeEscalation: PostureCheck = {
  meta: {
    id: 'posture.container.privilege-escalation',
    title: 'Container allows privilege escalation',
    severity: 'medium',
    confidence: 0.9,
    category: 'posture',
    techniques: ['T1611'],
    remediation: 'Set securityContext.allowPrivilegeEscalation: false on every container.',
    references: [PSS],
  },
  run: (a) =>
    perContainer(a, (c, w) => {
      if (w.resource.source !== 'k8s') return undefined;
      const v = c.allowPrivilegeEscalation;
      if (v?.value === false) return undefined;
      if (v?.value)
        return hit(w, v.line, [c.line], c.name, { container: c.name, allowPrivilegeEscalation: true });
      const line = c.securityContextLine ?? c.line;
      return {
        ...hit(w, line, [c.line], c.name, {
          container: c.name,
          allowPrivilegeEscalation: '(not set: defaults to true)',
        }),
        severity: 'low',
        confidence: 0.5,
      };
    }),
};

export const runAsRoot: PostureCheck = {
  meta: {
    id: 'posture.container.run-as-root',
    title: 'Container runs as root',
    severity: 'medium',
    confidence: 0.9,
    category: 'posture',
    techniques: ['T1611'],
    remediation:
      'Set runAsNonRoot: true and a non-zero runAsUser (pod or container securityContext; compose: user).',
    references: [PSS],
  },
  run: (a) =>
    perContainer(a, (c, w) => {
      if (w.resource.source !== 'k8s') return undefined;
      const user = c.runAsUser ?? w.podRunAsUser;
      if (user?.value === 0) {
        // A container setting UID 0 over a pod-level non-root user undoes it: the finding points at both.
        const overridden =
          c.runAsUser && w.podRunAsUser && w.podRunAsUser.value !== 0 ? w.podRunAsUser : undefined;
        return hit(w, user.line, [c.line, ...(overridden ? [overridden.line] : [])], c.name, {
          container: c.name,
          runAsUser: 0,
          ...(overridden ? { overridesPodRunAsUser: overridden.value } : {}),
        });
      }
      const nonRoot = c.runAsNonRoot ?? w.podRunAsNonRoot;
      if (user !== undefined || nonRoot?.value === true) return undefined;
      return {
        ...hit(w, nonRoot?.line ?? c.securityContextLine ?? c.line, [c.line], c.name, {
          container: c.name,
          runAsUser: '(not set: the image decides, often root)',
        }),
        severity: 'low',
        confidence: 0.5,
      };
    }),
};

export const CONTAINER_CHECKS: readonly PostureCheck[] = [
  privilegedContainer,
  hostPid,
  hostIpc,
  hostNetwork,
  dockerSocket,
  sensitiveHostMount,
  sysAdminCapability,
  privilegeEscalation,
  runAsRoot,
];
