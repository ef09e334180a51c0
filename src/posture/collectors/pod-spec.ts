import type { ContainerSpec, Workload } from '../assets.js';
import { bool, get, items, keyLine, type LNode, num } from './tree.js';

/**
 * The key names of a pod spec in one spelling: manifests write camelCase (hostPID, runAsUser), the Terraform
 * kubernetes provider snake_case (host_pid, run_as_user). The checks read both through the same Workload.
 */
export interface PodSpecKeys {
  hostPID: string;
  hostIPC: string;
  hostNetwork: string;
  securityContext: string;
  privileged: string;
  allowPrivilegeEscalation: string;
  runAsUser: string;
  runAsNonRoot: string;
  ports: string;
  containerPort: string;
}

export const MANIFEST_KEYS: PodSpecKeys = {
  hostPID: 'hostPID',
  hostIPC: 'hostIPC',
  hostNetwork: 'hostNetwork',
  securityContext: 'securityContext',
  privileged: 'privileged',
  allowPrivilegeEscalation: 'allowPrivilegeEscalation',
  runAsUser: 'runAsUser',
  runAsNonRoot: 'runAsNonRoot',
  ports: 'ports',
  containerPort: 'containerPort',
};

export const TERRAFORM_KEYS: PodSpecKeys = {
  hostPID: 'host_pid',
  hostIPC: 'host_ipc',
  hostNetwork: 'host_network',
  securityContext: 'security_context',
  privileged: 'privileged',
  allowPrivilegeEscalation: 'allow_privilege_escalation',
  runAsUser: 'run_as_user',
  runAsNonRoot: 'run_as_non_root',
  ports: 'port',
  containerPort: 'container_port',
};

export function flag(node: LNode | undefined, key: string): { value: boolean; line: number } | undefined {
  const v = bool(get(node, key));
  return v === undefined ? undefined : { value: v, line: keyLine(node, key) ?? 0 };
}

export function intField(node: LNode | undefined, key: string): { value: number; line: number } | undefined {
  const v = num(get(node, key));
  return v === undefined ? undefined : { value: v, line: keyLine(node, key) ?? 0 };
}

/** The pod-level host namespaces and security context of `spec` (`psc`: its security context). */
export function podFields(
  spec: LNode | undefined,
  psc: LNode | undefined,
  k: PodSpecKeys,
): Pick<
  Workload,
  'hostPID' | 'hostIPC' | 'hostNetwork' | 'podRunAsUser' | 'podRunAsNonRoot' | 'podSecurityContextLine'
> {
  return {
    hostPID: flag(spec, k.hostPID),
    hostIPC: flag(spec, k.hostIPC),
    hostNetwork: flag(spec, k.hostNetwork),
    podRunAsUser: intField(psc, k.runAsUser),
    podRunAsNonRoot: flag(psc, k.runAsNonRoot),
    podSecurityContextLine: keyLine(spec, k.securityContext),
  };
}

/** The container's security context fields (`sc`: that context). */
export function containerSecurity(
  c: LNode,
  sc: LNode | undefined,
  k: PodSpecKeys,
): Pick<
  ContainerSpec,
  'privileged' | 'allowPrivilegeEscalation' | 'runAsUser' | 'runAsNonRoot' | 'securityContextLine'
> {
  return {
    privileged: flag(sc, k.privileged),
    allowPrivilegeEscalation: flag(sc, k.allowPrivilegeEscalation),
    runAsUser: intField(sc, k.runAsUser),
    runAsNonRoot: flag(sc, k.runAsNonRoot),
    securityContextLine: keyLine(c, k.securityContext),
  };
}

/** The container ports the container declares, each with its line. */
export function containerPorts(c: LNode, k: PodSpecKeys): ContainerSpec['ports'] {
  return items(get(c, k.ports)).flatMap((p) => {
    const port = num(get(p, k.containerPort));
    return port === undefined ? [] : [{ port, line: keyLine(p, k.containerPort) ?? p.line }];
  });
}
