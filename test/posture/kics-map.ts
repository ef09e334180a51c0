import type { Finding } from '../../src/model/finding.js';
import type { Loader } from './kics-score.js';

const is =
  (...ids: string[]) =>
  (f: Finding) =>
    ids.includes(f.ruleId.replace(/^posture\./, ''));
const port = (p: number) => (f: Finding) =>
  (f.ruleId === 'posture.cloud.ingress-remote-admin' && f.entity.port === p) ||
  f.ruleId === 'posture.cloud.ingress-all-ports';

export interface KicsMapping {
  query: string;
  loader: Loader;
  /** Which of our findings stand for the KICS query; null when we have no such check. */
  rule: ((f: Finding) => boolean) | null;
  /** Exact: every expected line found and no finding on negative files (asserted). */
  exact: boolean;
  note?: string;
}

export const KICS_MAP: KicsMapping[] = [
  {
    query: 'terraform/aws/security_group_with_unrestricted_access_to_ssh',
    loader: 'terraform',
    rule: port(22),
    exact: true,
  },
  {
    query: 'terraform/aws/sensitive_port_is_exposed_to_entire_network',
    loader: 'terraform',
    rule: is('cloud.ingress-service-port', 'cloud.ingress-remote-admin', 'cloud.ingress-all-ports'),
    exact: false,
    note: 'KICS lists ~60 sensitive ports (FTP, SMB, databases ...); we list the ~17 mining groups exploit',
  },
  {
    query: 'terraform/aws/unrestricted_security_group_ingress',
    loader: 'terraform',
    rule: is('cloud.ingress-from-world'),
    exact: true,
  },
  {
    query: 'terraform/aws/network_acl_with_unrestricted_access_to_ssh',
    loader: 'terraform',
    rule: (f) => f.ruleId === 'posture.cloud.nacl-remote-admin' && f.entity.port === 22,
    exact: false,
  },
  {
    query: 'terraform/aws/remote_desktop_port_open_to_internet',
    loader: 'terraform',
    rule: port(3389),
    exact: true,
  },
  {
    query: 'terraform/aws/ec2_instance_has_public_ip',
    loader: 'terraform',
    rule: is('cloud.instance-public-ip'),
    exact: false,
  },
  {
    query: 'terraform/aws/default_security_groups_with_unrestricted_traffic',
    loader: 'terraform',
    rule: (f) =>
      f.ruleId === 'posture.cloud.ingress-from-world' &&
      f.evidence.resourceType === 'aws_default_security_group',
    exact: false,
    note: 'KICS also flags open egress on default groups; we check ingress only',
  },
  { query: 'terraform/aws/unknown_port_exposed_to_internet', loader: 'terraform', rule: null, exact: false },
  {
    query: 'terraform/aws/http_port_open',
    loader: 'terraform',
    rule: null,
    exact: false,
    note: 'port 80 open to the world is a normal web front end for us (ingress-from-world, low)',
  },
  {
    query: 'terraform/kubernetes/docker_daemon_socket_is_exposed_to_containers',
    loader: 'terraform',
    rule: null,
    exact: false,
    note: 'kubernetes_* Terraform resources are not read yet',
  },
  {
    query: 'k8s/docker_daemon_socket_is_exposed_to_containers',
    loader: 'k8s',
    rule: is('container.runtime-socket'),
    exact: true,
  },
  { query: 'k8s/container_is_privileged', loader: 'k8s', rule: is('container.privileged'), exact: true },
  { query: 'k8s/shared_host_pid_namespace', loader: 'k8s', rule: is('container.host-pid'), exact: true },
  {
    query: 'k8s/shared_host_network_namespace',
    loader: 'k8s',
    rule: is('container.host-network'),
    exact: true,
  },
  { query: 'k8s/shared_host_ipc_namespace', loader: 'k8s', rule: is('container.host-ipc'), exact: true },
  {
    query: 'k8s/non_kube_system_pod_with_host_mount',
    loader: 'k8s',
    rule: is('container.sensitive-host-mount', 'container.runtime-socket'),
    exact: false,
    note: 'KICS flags every hostPath outside kube-system; we flag sensitive paths only',
  },
  {
    query: 'k8s/workload_mounting_with_sensitive_os_directory',
    loader: 'k8s',
    rule: is('container.sensitive-host-mount', 'container.runtime-socket'),
    exact: true,
  },
  {
    query: 'k8s/privilege_escalation_allowed',
    loader: 'k8s',
    rule: is('container.privilege-escalation'),
    exact: true,
  },
  { query: 'k8s/containers_running_as_root', loader: 'k8s', rule: is('container.run-as-root'), exact: false },
  {
    query: 'k8s/containers_with_sys_admin_capabilities',
    loader: 'k8s',
    rule: is('container.sys-admin'),
    exact: true,
  },
  {
    query: 'k8s/volume_mount_with_os_directory_write_permissions',
    loader: 'k8s',
    rule: null,
    exact: false,
    note: 'KICS checks the container-side mountPath; we check host paths',
  },
  {
    query: 'dockerCompose/docker_socket_mounted_in_container',
    loader: 'compose',
    rule: is('container.runtime-socket'),
    exact: true,
  },
  {
    query: 'dockerCompose/privileged_containers_enabled',
    loader: 'compose',
    rule: is('container.privileged'),
    exact: true,
  },
  {
    query: 'dockerCompose/host_namespace_is_shared',
    loader: 'compose',
    rule: is('container.host-pid'),
    exact: true,
  },
  {
    query: 'dockerCompose/shared_host_network_namespace',
    loader: 'compose',
    rule: is('container.host-network'),
    exact: true,
  },
  {
    query: 'dockerCompose/shared_host_ipc_namespace',
    loader: 'compose',
    rule: is('container.host-ipc'),
    exact: true,
  },
  {
    query: 'dockerCompose/volume_has_sensitive_host_directory',
    loader: 'compose',
    rule: is('container.sensitive-host-mount'),
    exact: false,
  },
  {
    query: 'dockerCompose/container_capabilities_unrestricted',
    loader: 'compose',
    rule: is('container.sys-admin'),
    exact: false,
    note: 'KICS wants cap_drop on every service; we flag SYS_ADMIN/ALL only',
  },
  {
    query: 'dockerfile/exposing_port_22',
    loader: 'dockerfile',
    rule: is('dockerfile.expose-ssh'),
    exact: true,
  },
];
