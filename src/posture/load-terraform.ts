import type { Assets, RawResource } from './assets.js';
import { instancesFromTerraform, rulesFromTerraform } from './collectors/aws-terraform.js';
import { listInputs, readInput } from './collectors/files.js';
import { workloadsFromTerraform } from './collectors/k8s-terraform.js';
import {
  isTerraformPlan,
  parseJsonLocated,
  resourcesFromHcl,
  resourcesFromPlan,
} from './collectors/terraform.js';

export function terraformResources(file: string, text: string): RawResource[] {
  if (file.endsWith('.json')) {
    const root = parseJsonLocated(text, file);
    return isTerraformPlan(root) ? resourcesFromPlan(root, file) : [];
  }
  return resourcesFromHcl(text, file);
}

export function assetsFromResources(resources: RawResource[]): Assets {
  return {
    resources: resources.map((r) => r.ref),
    rules: rulesFromTerraform(resources),
    instances: instancesFromTerraform(resources),
    workloads: workloadsFromTerraform(resources),
    dockerfiles: [],
  };
}

/** A .tf file, a plan JSON, or a directory of them. */
export function loadTerraform(target: string): Assets {
  const files = listInputs(target, (n) => n.endsWith('.tf') || n.endsWith('.json'));
  const resources: RawResource[] = [];
  for (const f of files) resources.push(...terraformResources(f, readInput(f)));
  return assetsFromResources(resources);
}
