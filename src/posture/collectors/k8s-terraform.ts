import type { RawResource, Workload } from '../assets.js';

/** kubernetes_* Terraform resources: not read yet (the manifests reader covers Kubernetes). */
export function workloadsFromTerraform(_resources: readonly RawResource[]): Workload[] {
  return [];
}
