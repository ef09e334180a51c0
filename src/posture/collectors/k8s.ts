import { LineCounter, parseAllDocuments } from 'yaml';
import { MinewardenError, type WarningSink } from '../../model/errors.js';
import type { ContainerMount, ContainerSpec, HostMount, ResourceRef, Workload } from '../assets.js';
import { containerPorts, containerSecurity, flag, MANIFEST_KEYS, podFields } from './pod-spec.js';
import {
  bool,
  fromYaml,
  get,
  getPath,
  items,
  keyLine,
  type LNode,
  str,
  strings,
  uniqPositive,
} from './tree.js';

/** Where each workload kind keeps its pod spec. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  DeploymentConfig: ['spec', 'template', 'spec'],
  PodTemplate: ['template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

export const WORKLOAD_KINDS = Object.keys(POD_SPEC_PATHS);

function container(c: LNode, volumes: Map<string, HostMount & { name: string }>): ContainerSpec {
  const sc = get(c, 'securityContext');
  const add = getPath(sc, 'capabilities', 'add');
  const hostMounts: HostMount[] = [];
  const mounts: ContainerMount[] = [];
  for (const m of items(get(c, 'volumeMounts'))) {
    const mountPath = str(get(m, 'mountPath'));
    if (mountPath !== undefined)
      mounts.push({
        mountPath,
        volume: str(get(m, 'name')) ?? '',
        line: m.line,
        lines: uniqPositive(m.line, keyLine(m, 'mountPath'), keyLine(m, 'name'), keyLine(m, 'readOnly')),
        readOnly: flag(m, 'readOnly'),
      });
    const vol = volumes.get(str(get(m, 'name')) ?? '');
    if (!vol) continue;
    hostMounts.push({
      path: vol.path,
      line: vol.line,
      readOnly: bool(get(m, 'readOnly')) === true || vol.readOnly,
      mountLine: keyLine(m, 'mountPath') ?? m.line,
    });
  }
  return {
    name: str(get(c, 'name')) ?? '(unnamed)',
    line: c.line,
    image: str(get(c, 'image')),
    ...containerSecurity(c, sc, MANIFEST_KEYS),
    capAdd: strings(add).map((s) => ({ name: s.value, line: s.line })),
    capAddLine: add ? keyLine(get(sc, 'capabilities'), 'add') : undefined,
    hostMounts,
    ports: containerPorts(c, MANIFEST_KEYS),
    ...capDrop(sc),
    mounts,
  };
}

function capDrop(sc: LNode | undefined): Pick<ContainerSpec, 'capDrop'> {
  const drop = getPath(sc, 'capabilities', 'drop');
  if (!drop) return {};
  const line = keyLine(get(sc, 'capabilities'), 'drop') ?? drop.line;
  return { capDrop: { names: strings(drop).map((d) => d.value), line } };
}

/** One workload from a manifest object, or undefined when it has no readable pod spec (unknown, not passing). */
export function workloadFromObject(obj: LNode, file: string, warnings?: WarningSink): Workload | undefined {
  const kind = str(get(obj, 'kind')) ?? '';
  if (kind === 'PersistentVolume') return persistentVolume(obj, file);
  // Custom resources that embed a pod template (Knative Configuration/Service, Argo Rollout ...) read like Deployments.
  // Others (Knative Revision) carry the pod spec directly under spec.
  const known = POD_SPEC_PATHS[kind];
  const hasContainers = (path: string[]) => get(getPath(obj, ...path), 'containers')?.kind === 'seq';
  const specPath =
    known ??
    (hasContainers(['spec', 'template', 'spec'])
      ? ['spec', 'template', 'spec']
      : hasContainers(['spec'])
        ? ['spec']
        : undefined);
  if (!specPath) return undefined;
  const meta = get(obj, 'metadata');
  const name = str(get(meta, 'name')) ?? '(unnamed)';
  const namespace = str(get(meta, 'namespace'));
  const spec = getPath(obj, ...specPath);
  const containersNode = get(spec, 'containers');
  // No pod spec at all (e.g. `jobTemplate: {spec: null}`) runs nothing: it passes. A spec whose containers are not a
  // list is malformed: we cannot tell, so it is skipped with a warning rather than passed.
  const empty = spec === undefined || (spec.kind === 'scalar' && spec.value === null);
  if (!empty && (spec?.kind !== 'map' || containersNode?.kind !== 'seq')) {
    warnings?.add('MW_W_POSTURE_SKIPPED', `${kind} ${name} has no readable pod spec`, `${file}:${obj.line}`);
    return undefined;
  }
  const ref: ResourceRef = {
    address: `${kind}/${namespace ?? 'default'}/${name}`,
    type: kind,
    file,
    line: obj.line,
    source: 'k8s',
  };
  const volumes = new Map<string, HostMount & { name: string }>();
  for (const v of items(get(spec, 'volumes'))) {
    const hp = get(v, 'hostPath');
    const path = str(get(hp, 'path'));
    if (path === undefined) continue;
    const vname = str(get(v, 'name')) ?? '';
    volumes.set(vname, { name: vname, path, line: keyLine(hp, 'path') ?? v.line, readOnly: false });
  }
  const all = [
    ...items(containersNode),
    ...items(get(spec, 'initContainers')),
    ...items(get(spec, 'ephemeralContainers')),
  ];
  const psc = get(spec, 'securityContext');
  return {
    resource: ref,
    kind,
    namespace,
    ...podFields(spec, psc, MANIFEST_KEYS),
    containers: all.filter((c) => c.kind === 'map').map((c) => container(c, volumes)),
    hostVolumes: [...volumes.values()],
  };
}

/** Every object of a multi-document manifest, `kind: List` expanded. */
export function manifestObjects(src: string, file: string): LNode[] {
  const lc = new LineCounter();
  const docs = parseAllDocuments(src, { lineCounter: lc, uniqueKeys: false });
  if (!Array.isArray(docs)) return [];
  const out: LNode[] = [];
  for (const d of docs) {
    const err = d.errors[0];
    if (err) {
      const line = err.linePos?.[0]?.line;
      throw new MinewardenError('MW_INPUT_PARSE', `not valid YAML: ${err.message.split('\n')[0]}`, {
        file,
        ...(line === undefined ? {} : { line }),
      });
    }
    const root = fromYaml(d.contents, lc);
    if (str(get(root, 'kind'))?.endsWith('List')) out.push(...items(get(root, 'items')));
    else if (root.kind === 'map') out.push(root);
  }
  return out;
}

export function workloadsFromManifest(src: string, file: string, warnings?: WarningSink): Workload[] {
  const out: Workload[] = [];
  for (const obj of manifestObjects(src, file)) {
    const w = workloadFromObject(obj, file, warnings);
    if (w) out.push(w);
  }
  return out;
}

/** A hostPath PersistentVolume hands a host directory to whichever pod claims it. */
function persistentVolume(obj: LNode, file: string): Workload | undefined {
  const name = str(get(get(obj, 'metadata'), 'name')) ?? '(unnamed)';
  // PersistentVolumes are cluster-wide; a namespace written in the manifest still says who it is meant for.
  const namespace = str(get(get(obj, 'metadata'), 'namespace'));
  const hp = getPath(obj, 'spec', 'hostPath');
  const p = str(get(hp, 'path'));
  if (p === undefined) return undefined;
  return {
    resource: {
      address: `PersistentVolume/${name}`,
      type: 'PersistentVolume',
      file,
      line: obj.line,
      source: 'k8s',
    },
    kind: 'PersistentVolume',
    namespace,
    hostPID: undefined,
    hostIPC: undefined,
    hostNetwork: undefined,
    podRunAsUser: undefined,
    podRunAsNonRoot: undefined,
    podSecurityContextLine: undefined,
    containers: [],
    hostVolumes: [{ name, path: p.trim(), line: keyLine(hp, 'path') ?? obj.line, readOnly: false }],
  };
}
