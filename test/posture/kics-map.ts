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
  /** Exact: every expected line found and no finding on negative files (asserted), apart from `deviations`. */
  exact: boolean;
  note?: string;
  /**
   * Expected lines we do not report and negative-file lines we do, each with the reason we disagree with the
   * query; asserted to be exactly what happens, so a list that stops being true fails the test.
   */
  deviations?: { missed?: string[]; negative?: string[]; why: string };
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
    rule: is(
      'cloud.ingress-service-port',
      'cloud.ingress-remote-admin',
      'cloud.ingress-all-ports',
      'cloud.ingress-sensitive-port',
      'cloud.ingress-web-port',
    ),
    exact: true,
    note: 'mining-group ports, SSH/RDP, other sensitive services and web ports are four checks of their own',
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
    exact: true,
    note: 'an allow rule for protocol -1 (negative5.tf) is nacl-allow-all, a check of its own',
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
    rule: is('cloud.instance-public-ip', 'cloud.instance-public-ip-default'),
    exact: true,
  },
  {
    query: 'terraform/aws/default_security_groups_with_unrestricted_traffic',
    loader: 'terraform',
    rule: is('cloud.default-sg-open'),
    exact: true,
  },
  {
    query: 'terraform/aws/unknown_port_exposed_to_internet',
    loader: 'terraform',
    rule: is('cloud.ingress-unknown-port', 'cloud.ingress-all-ports'),
    exact: true,
  },
  {
    query: 'terraform/aws/http_port_open',
    loader: 'terraform',
    rule: (f) =>
      (f.ruleId === 'posture.cloud.ingress-web-port' && f.entity.port === 80) ||
      f.ruleId === 'posture.cloud.ingress-all-ports',
    exact: true,
  },
  {
    query: 'terraform/kubernetes/docker_daemon_socket_is_exposed_to_containers',
    loader: 'terraform',
    rule: is('container.runtime-socket'),
    exact: true,
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
    rule: is('container.host-path-volume'),
    exact: true,
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
  { query: 'k8s/containers_running_as_root', loader: 'k8s', rule: is('container.run-as-root'), exact: true },
  {
    query: 'k8s/containers_with_sys_admin_capabilities',
    loader: 'k8s',
    rule: is('container.sys-admin'),
    exact: true,
  },
  {
    query: 'k8s/volume_mount_with_os_directory_write_permissions',
    loader: 'k8s',
    rule: is('container.writable-system-mount'),
    exact: true,
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
    exact: true,
    deviations: {
      missed: ['positive1.yaml:11'],
      why: 'a short-syntax entry with one path (- /var/lib/backup/data) is an anonymous volume at that container path, not a host directory',
    },
  },
  {
    query: 'dockerCompose/container_capabilities_unrestricted',
    loader: 'compose',
    rule: is('container.sys-admin', 'container.capabilities-not-dropped'),
    exact: true,
  },
  {
    query: 'dockerfile/exposing_port_22',
    loader: 'dockerfile',
    rule: is('dockerfile.expose-ssh'),
    exact: true,
  },
];
