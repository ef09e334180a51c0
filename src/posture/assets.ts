import type { LNode } from './collectors/tree.js';
import type { ExposedListener } from './host/exposure.js';
import type { PortChange } from './host/port-state.js';
import type { ProbeResult } from './host/probes.js';
import type { DockerEndpoint, RedisConfig } from './host/services.js';
import type { SshdConfig } from './host/sshd.js';
import type { WritablePath } from './host/writable.js';
import type { VulnMatch } from './vulndb/match.js';

/**
 * The assets graph the posture checks read: every input format (Terraform HCL and plan JSON, AWS API responses,
 * Kubernetes manifests, compose files, Dockerfiles, the host) is first turned into these records, so one check
 * covers every source that can express the same mistake.
 */
export type AssetSource =
  | 'terraform'
  | 'terraform-plan'
  | 'aws-api'
  | 'k8s'
  | 'compose'
  | 'dockerfile'
  | 'host';

export interface ResourceRef {
  /** Terraform address (aws_security_group.web), AWS id (sg-0123), or Kind/namespace/name for manifests. */
  address: string;
  type: string;
  file: string;
  line: number;
  source: AssetSource;
}

export interface SourceCidr {
  cidr: string;
  line: number;
}

/** One security-group or NACL rule after normalisation. */
export interface NetRule {
  resource: ResourceRef;
  /** Line of the rule block/object (or of the resource when the resource is the rule). */
  line: number;
  direction: 'ingress' | 'egress';
  /** 'all', 'tcp', 'udp', 'icmp', 'icmpv6' or the raw value. */
  protocol: string;
  /** The protocol was not a literal (an expression, or left out): `protocol` is 'all' as a guess, not as written. */
  protocolUnstated?: true;
  /** Undefined when the ports are not written or not literal (e.g. a module's named rules). */
  fromPort: number | undefined;
  toPort: number | undefined;
  /** Line of the port attributes, for reporting. */
  portLine: number | undefined;
  /** Sources that reach the whole internet (a /0 prefix). */
  world: SourceCidr[];
  /** Other literal CIDRs, security-group references, prefix lists, `self`. */
  restrictedSources: number;
  /** No source written at all: cannot be verified as restricted. */
  unspecifiedSource: boolean;
  /** A source given by an expression we cannot evaluate. */
  unknownSource: boolean;
  /** NACL rules: deny rules do not expose anything. */
  action?: 'allow' | 'deny';
  /** NACL rule number: the lowest matching rule decides. */
  ruleNo?: number;
  /** Other lines the rule can be pinned to: the `ingress` attribute that holds it, its first attribute. */
  anchors?: number[];
}

export interface InstanceMetadataOptions {
  /** 'required' | 'optional' | undefined (not set: the AWS default allows IMDSv1). */
  tokens: string | undefined;
  endpoint: string | undefined;
  hopLimit: number | undefined;
  /** Line of the metadata_options block, or undefined when the block is absent. */
  line: number | undefined;
  tokensLine: number | undefined;
  hopLine: number | undefined;
}

export interface Instance {
  resource: ResourceRef;
  /** aws_instance / DescribeInstances; launch templates and configurations too (they define instances). */
  kind: 'instance' | 'launch-template' | 'launch-configuration';
  metadata: InstanceMetadataOptions | undefined;
  publicIp: { value: boolean | string; line: number } | undefined;
  role: string | undefined;
  securityGroups: string[];
  /** A network interface is attached explicitly: the interface, not the subnet default, decides the public IP. */
  explicitInterface?: boolean;
}

export interface HostMount {
  /** Host path as written. */
  path: string;
  line: number;
  readOnly: boolean;
  /** Line of the container-side mount, when separate (Kubernetes volumeMounts). */
  mountLine?: number;
  /** Line of the volume declaration (`volume = [` in Terraform), when it differs from the path line. */
  declLine?: number;
}

/** Any volume mounted into a container (host path or not), by its container-side path. */
export interface ContainerMount {
  mountPath: string;
  volume: string;
  line: number;
  /** Every line of the mount entry: item, mountPath, name, readOnly. */
  lines: number[];
  readOnly: { value: boolean; line: number } | undefined;
}

export interface ContainerSpec {
  name: string;
  line: number;
  image: string | undefined;
  privileged: { value: boolean; line: number } | undefined;
  allowPrivilegeEscalation: { value: boolean; line: number } | undefined;
  runAsUser: { value: number; line: number } | undefined;
  runAsNonRoot: { value: boolean; line: number } | undefined;
  /** Line of the container's securityContext, when present. */
  securityContextLine: number | undefined;
  capAdd: { name: string; line: number }[];
  capAddLine: number | undefined;
  hostMounts: HostMount[];
  ports: { port: number; line: number }[];
  /** Capabilities dropped (compose cap_drop, securityContext.capabilities.drop); undefined when not written. */
  capDrop?: { names: string[]; line: number };
  /** Every volume mount, by container-side path (Kubernetes only). */
  mounts?: ContainerMount[];
}

/** A pod template, compose service or plain container run: where containers share host namespaces. */
export interface Workload {
  resource: ResourceRef;
  kind: string;
  namespace: string | undefined;
  hostPID: { value: boolean; line: number } | undefined;
  hostIPC: { value: boolean; line: number } | undefined;
  hostNetwork: { value: boolean; line: number } | undefined;
  /** Pod-level securityContext (Kubernetes). */
  podRunAsUser: { value: number; line: number } | undefined;
  podRunAsNonRoot: { value: boolean; line: number } | undefined;
  podSecurityContextLine: number | undefined;
  containers: ContainerSpec[];
  /** hostPath volumes (Kubernetes) or bind mounts (compose), whether or not a container mounts them. */
  hostVolumes: (HostMount & { name: string })[];
}

export interface DockerfileInfo {
  resource: ResourceRef;
  exposes: { port: number; protocol: string; line: number }[];
  user: { value: string; line: number } | undefined;
}

export interface Assets {
  /** Every resource read, checked or not: a resource with no finding passed. */
  resources: ResourceRef[];
  rules: NetRule[];
  instances: Instance[];
  workloads: Workload[];
  dockerfiles: DockerfileInfo[];
  /** Set when the host itself (or a --root image of it) was read. */
  host?: HostFacts;
  /** Installed software matched to advisories (dpkg inventory and tarball installs). */
  vulns?: VulnMatch[];
}

/** What the host hardening checks read; paths are host paths, `root` is where they were read from. */
export interface HostFacts {
  root: string;
  sshd: SshdConfig | undefined;
  docker: DockerEndpoint[];
  redis: RedisConfig[];
  writable: WritablePath[];
  /** Listeners from procfs with their processes; empty when only files were read. */
  listeners: ExposedListener[];
  probes: ProbeResult[];
  /** Listener changes since the previous run (open-port monitoring); empty on the first run. */
  portChanges: PortChange[];
}

export function emptyAssets(): Assets {
  return { resources: [], rules: [], instances: [], workloads: [], dockerfiles: [] };
}

export function mergeAssets(into: Assets, from: Assets): Assets {
  into.resources.push(...from.resources);
  into.rules.push(...from.rules);
  into.instances.push(...from.instances);
  into.workloads.push(...from.workloads);
  into.dockerfiles.push(...from.dockerfiles);
  if (from.host) into.host = from.host;
  if (from.vulns) into.vulns = [...(into.vulns ?? []), ...from.vulns];
  return into;
}

/** A raw resource before normalisation (what the Terraform readers produce). */
export interface RawResource {
  ref: ResourceRef;
  body: LNode;
}
