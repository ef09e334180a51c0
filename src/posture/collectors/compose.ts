import type { ContainerSpec, HostMount, ResourceRef, Workload } from '../assets.js';
import { manifestObjects } from './k8s.js';
import { bool, get, items, keyLine, type LNode, str, strings } from './tree.js';

const HOST_PATH = /^(\/|~|\.{1,2}(\/|$)|\$\{?[A-Z_]+)/;

/** Short syntax "src:dst[:mode]"; a source that is a path (not a volume name) is a bind mount. */
function shortMount(spec: string, line: number): HostMount | undefined {
  const parts = spec.split(':');
  if (parts.length < 2) return undefined;
  const src = parts[0]!;
  if (!HOST_PATH.test(src)) return undefined;
  return { path: src, line, readOnly: parts.slice(2).some((p) => p.split(',').includes('ro')) };
}

function serviceMounts(svc: LNode): HostMount[] {
  const out: HostMount[] = [];
  for (const v of items(get(svc, 'volumes'))) {
    if (v.kind === 'scalar' && typeof v.value === 'string') {
      const m = shortMount(v.value, v.line);
      if (m) out.push(m);
    } else if (v.kind === 'map' && str(get(v, 'type')) === 'bind') {
      const src = str(get(v, 'source'));
      if (src)
        out.push({
          path: src,
          line: keyLine(v, 'source') ?? v.line,
          readOnly: bool(get(v, 'read_only')) === true,
        });
    }
  }
  return out;
}

function hostMode(svc: LNode, key: string, want: string): { value: boolean; line: number } | undefined {
  const v = str(get(svc, key));
  if (v === undefined) return undefined;
  return { value: v === want, line: keyLine(svc, key) ?? svc.line };
}

/** docker-compose services as workloads; named volumes backed by a host directory as their own resources. */
export function workloadsFromCompose(src: string, file: string): Workload[] {
  const out: Workload[] = [];
  for (const root of manifestObjects(src, file)) {
    const services = get(root, 'services');
    if (services?.kind === 'map') {
      for (const [name, entry] of services.entries) {
        const svc = entry.value;
        if (svc.kind !== 'map') continue;
        const ref: ResourceRef = {
          address: `service/${name}`,
          type: 'compose-service',
          file,
          line: entry.keyLine,
          source: 'compose',
        };
        const mounts = serviceMounts(svc);
        const priv = bool(get(svc, 'privileged'));
        const capNode = get(svc, 'cap_add');
        const container: ContainerSpec = {
          name,
          line: entry.keyLine,
          image: str(get(svc, 'image')),
          privileged:
            priv === undefined ? undefined : { value: priv, line: keyLine(svc, 'privileged') ?? svc.line },
          allowPrivilegeEscalation: undefined,
          runAsUser: undefined,
          runAsNonRoot: undefined,
          securityContextLine: undefined,
          capAdd: strings(capNode).map((s) => ({ name: s.value, line: s.line })),
          capAddLine: keyLine(svc, 'cap_add'),
          hostMounts: mounts,
          ports: [],
        };
        const drop = get(svc, 'cap_drop');
        if (drop)
          container.capDrop = {
            names: strings(drop).map((d) => d.value),
            line: keyLine(svc, 'cap_drop') ?? drop.line,
          };
        out.push({
          resource: ref,
          kind: 'compose-service',
          namespace: undefined,
          hostPID: hostMode(svc, 'pid', 'host'),
          hostIPC: hostMode(svc, 'ipc', 'host'),
          hostNetwork: hostMode(svc, 'network_mode', 'host'),
          podRunAsUser: undefined,
          podRunAsNonRoot: undefined,
          podSecurityContextLine: undefined,
          containers: [container],
          hostVolumes: mounts.map((m) => ({ ...m, name: `${name}:${m.path}` })),
        });
      }
    }
    const volumes = get(root, 'volumes');
    if (volumes?.kind !== 'map') continue;
    for (const [name, entry] of volumes.entries) {
      const opts = get(entry.value, 'driver_opts');
      const key = get(opts, 'device') ? 'device' : get(opts, 'mountpoint') ? 'mountpoint' : undefined;
      const path = key ? str(get(opts, key)) : undefined;
      if (!key || !path) continue;
      const line = keyLine(opts, key) ?? entry.keyLine;
      out.push({
        resource: {
          address: `volume/${name}`,
          type: 'compose-volume',
          file,
          line: entry.keyLine,
          source: 'compose',
        },
        kind: 'compose-volume',
        namespace: undefined,
        hostPID: undefined,
        hostIPC: undefined,
        hostNetwork: undefined,
        podRunAsUser: undefined,
        podRunAsNonRoot: undefined,
        podSecurityContextLine: undefined,
        containers: [],
        hostVolumes: [{ name, path, line, readOnly: false }],
      });
    }
  }
  return out;
}
