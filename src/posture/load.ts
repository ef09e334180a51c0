import type { WarningSink } from '../model/errors.js';
import { type Assets, emptyAssets, mergeAssets } from './assets.js';
import {
  fromDescribeInstances,
  fromDescribeSecurityGroups,
  unwrapAwsResponse,
} from './collectors/aws-api.js';
import { workloadsFromCompose } from './collectors/compose.js';
import { readDockerfile } from './collectors/dockerfile.js';
import { listInputs, readInput } from './collectors/files.js';
import { workloadsFromManifest } from './collectors/k8s.js';
import { parseJsonLocated } from './collectors/terraform.js';
import { get } from './collectors/tree.js';

export { loadTerraform } from './load-terraform.js';

const YAML_FILE = (n: string) => /\.(ya?ml|json)$/i.test(n);

export function loadK8s(target: string, warnings?: WarningSink): Assets {
  const a = emptyAssets();
  for (const f of listInputs(target, YAML_FILE)) {
    const ws = workloadsFromManifest(readInput(f), f, warnings);
    a.workloads.push(...ws);
    a.resources.push(...ws.map((w) => w.resource));
  }
  return a;
}

export function loadCompose(target: string): Assets {
  const a = emptyAssets();
  for (const f of listInputs(target, YAML_FILE)) {
    const ws = workloadsFromCompose(readInput(f), f);
    a.workloads.push(...ws);
    a.resources.push(...ws.map((w) => w.resource));
  }
  return a;
}

export function loadDockerfile(target: string): Assets {
  const a = emptyAssets();
  for (const f of listInputs(target, (n) => /dockerfile/i.test(n))) {
    const d = readDockerfile(readInput(f), f);
    a.dockerfiles.push(d);
    a.resources.push(d.resource);
  }
  return a;
}

/** A directory (or file) of recorded DescribeSecurityGroups / DescribeInstances responses. */
export function loadAws(target: string): Assets {
  const a = emptyAssets();
  for (const f of listInputs(target, (n) => n.endsWith('.json'))) {
    const root = unwrapAwsResponse(parseJsonLocated(readInput(f), f));
    if (get(root, 'SecurityGroups')) {
      const { refs, rules } = fromDescribeSecurityGroups(root, f);
      mergeAssets(a, { ...emptyAssets(), resources: refs, rules });
    }
    if (get(root, 'Reservations')) {
      const instances = fromDescribeInstances(root, f);
      mergeAssets(a, { ...emptyAssets(), resources: instances.map((i) => i.resource), instances });
    }
  }
  return a;
}
