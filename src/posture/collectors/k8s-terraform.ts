import type { ContainerSpec, HostMount, RawResource, Workload } from '../assets.js';
import { containerPorts, containerSecurity, podFields, TERRAFORM_KEYS } from './pod-spec.js';
import { bool, get, items, keyLine, type LNode, str, strings } from './tree.js';

/** Where each kubernetes_* Terraform resource keeps its pod spec (HCL blocks: one-item sequences). */
const POD_SPEC_PATHS: Record<string, string[]> = {
  pod: ['spec'],
  deployment: ['spec', 'template', 'spec'],
  daemonset: ['spec', 'template', 'spec'],
  daemon_set: ['spec', 'template', 'spec'],
  stateful_set: ['spec', 'template', 'spec'],
  replication_controller: ['spec', 'template', 'spec'],
  job: ['spec', 'template', 'spec'],
  cron_job: ['spec', 'job_template', 'spec', 'template', 'spec'],
};

function kindOf(type: string): string | undefined {
  const m = /^kubernetes_(.+?)(_v\d+)?$/.exec(type);
  return m && POD_SPEC_PATHS[m[1]!] ? m[1] : undefined;
}

function block(node: LNode | undefined, key: string): LNode | undefined {
  return items(get(node, key))[0];
}

function container(c: LNode, volumes: Map<string, HostMount & { name: string }>): ContainerSpec {
  const sc = block(c, 'security_context');
  const caps = block(sc, 'capabilities');
  const hostMounts: HostMount[] = [];
  for (const m of items(get(c, 'volume_mount'))) {
    const vol = volumes.get(str(get(m, 'name')) ?? '');
    if (vol)
      hostMounts.push({
        path: vol.path,
        line: vol.line,
        readOnly: bool(get(m, 'read_only')) === true,
        mountLine: keyLine(m, 'mount_path') ?? m.line,
      });
  }
  const drop = get(caps, 'drop');
  return {
    name: str(get(c, 'name')) ?? '(unnamed)',
    line: c.line,
    image: str(get(c, 'image')),
    ...containerSecurity(c, sc, TERRAFORM_KEYS),
    capAdd: strings(get(caps, 'add')).map((s) => ({ name: s.value, line: s.line })),
    capAddLine: keyLine(caps, 'add'),
    hostMounts,
    ports: containerPorts(c, TERRAFORM_KEYS),
    ...(drop
      ? { capDrop: { names: strings(drop).map((d) => d.value), line: keyLine(caps, 'drop') ?? 0 } }
      : {}),
  };
}

/** kubernetes_* Terraform resources (provider hashicorp/kubernetes) read into the same workloads as manifests. */
export function workloadsFromTerraform(resources: readonly RawResource[]): Workload[] {
  const out: Workload[] = [];
  for (const r of resources) {
    const kind = kindOf(r.ref.type);
    if (!kind) continue;
    let spec: LNode | undefined = r.body;
    for (const k of POD_SPEC_PATHS[kind]!) spec = block(spec, k);
    if (spec?.kind !== 'map') continue;
    const volumes = new Map<string, HostMount & { name: string }>();
    const declLine = keyLine(spec, 'volume');
    for (const [i, v] of items(get(spec, 'volume')).entries()) {
      const hp = block(v, 'host_path');
      const path = str(get(hp, 'path'));
      if (path === undefined) continue;
      const name = str(get(v, 'name')) ?? `volume[${i}]`;
      const entry: HostMount & { name: string } = {
        name,
        path,
        line: keyLine(hp, 'path') ?? v.line,
        readOnly: false,
      };
      if (declLine !== undefined) entry.declLine = declLine;
      volumes.set(name, entry);
    }
    const psc = block(spec, 'security_context');
    const containers = [...items(get(spec, 'container')), ...items(get(spec, 'init_container'))];
    const namespace = str(get(block(r.body, 'metadata'), 'namespace'));
    out.push({
      resource: r.ref,
      kind,
      namespace,
      ...podFields(spec, psc, TERRAFORM_KEYS),
      containers: containers.filter((c) => c.kind === 'map').map((c) => container(c, volumes)),
      hostVolumes: [...volumes.values()],
    });
  }
  return out;
}
