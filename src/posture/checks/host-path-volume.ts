import type { PostureCheck, PostureHit } from './check.js';
import { hit, isRuntimeSocket } from './containers.js';

/** Node agents (log shippers, CNI, CSI) live in kube-system and legitimately need host paths; workloads do not. */
const SYSTEM_NAMESPACES = new Set(['kube-system']);

/**
 * Any hostPath outside kube-system: a host directory shared with a workload survives the pod and is the usual way
 * a compromised container plants files on the node. Sensitive paths and runtime sockets also have louder checks.
 */
export const hostPathVolume: PostureCheck = {
  meta: {
    id: 'posture.container.host-path-volume',
    title: 'Workload outside kube-system mounts a host directory',
    severity: 'medium',
    confidence: 0.8,
    category: 'posture',
    techniques: ['T1611'],
    remediation:
      'Use emptyDir, a PersistentVolumeClaim backed by a storage class, or a ConfigMap/Secret instead of hostPath; keep node agents that need host paths in kube-system.',
    references: ['https://kubernetes.io/docs/concepts/storage/volumes/#hostpath'],
  },
  run(a) {
    const out: PostureHit[] = [];
    for (const w of a.workloads) {
      if (w.resource.source !== 'k8s' && w.resource.source !== 'terraform') continue;
      if (SYSTEM_NAMESPACES.has(w.namespace ?? 'default')) continue;
      for (const v of w.hostVolumes)
        out.push(
          hit(w, v.line, v.declLine ? [v.declLine] : [], `${v.name}:${v.line}`, {
            hostPath: v.path,
            volume: v.name,
            ...(isRuntimeSocket(v.path) ? { runtimeSocket: true } : {}),
          }),
        );
    }
    return out;
  },
};
