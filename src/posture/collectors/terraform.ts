import { LineCounter, parseDocument } from 'yaml';
import { MinewardenError } from '../../model/errors.js';
import type { RawResource } from '../assets.js';
import { parseHcl } from './hcl/parser.js';
import { fromHclBody, fromYaml, get, items, type LNode, str } from './tree.js';

/** `resource "type" "name" {}` and `module "name" {}` blocks of one .tf file, with their lines. */
export function resourcesFromHcl(src: string, file: string): RawResource[] {
  const body = parseHcl(src, file);
  const out: RawResource[] = [];
  for (const b of body.blocks) {
    if (b.type === 'resource' && b.labels.length === 2) {
      const [type, name] = b.labels as [string, string];
      out.push({
        ref: { address: `${type}.${name}`, type, file, line: b.line, source: 'terraform' },
        body: fromHclBody(b.body, b.line),
      });
    } else if (b.type === 'module' && b.labels.length === 1) {
      const name = b.labels[0]!;
      out.push({
        ref: { address: `module.${name}`, type: 'module', file, line: b.line, source: 'terraform' },
        body: fromHclBody(b.body, b.line),
      });
    }
  }
  return out;
}

/** Parses JSON keeping lines (JSON is YAML 1.2), with one clear error naming the file and line. */
export function parseJsonLocated(src: string, file: string): LNode {
  const lc = new LineCounter();
  const doc = parseDocument(src, { lineCounter: lc, uniqueKeys: false });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    throw new MinewardenError('MW_INPUT_PARSE', `not valid JSON: ${err.message.split('\n')[0]}`, {
      file,
      ...(line === undefined ? {} : { line }),
    });
  }
  return fromYaml(doc.contents, lc);
}

export function isTerraformPlan(root: LNode): boolean {
  return get(root, 'planned_values') !== undefined || get(root, 'terraform_version') !== undefined;
}

/** `terraform show -json` output: planned_values.root_module and its child modules, recursively. */
export function resourcesFromPlan(root: LNode, file: string): RawResource[] {
  const out: RawResource[] = [];
  const walk = (mod: LNode | undefined, depth: number): void => {
    if (!mod || depth > 50) return;
    for (const r of items(get(mod, 'resources'))) {
      const type = str(get(r, 'type'));
      const name = str(get(r, 'name'));
      if (!type || !name || str(get(r, 'mode')) === 'data') continue;
      const address = str(get(r, 'address')) ?? `${type}.${name}`;
      const values = get(r, 'values') ?? { kind: 'map', entries: new Map(), line: r.line };
      out.push({ ref: { address, type, file, line: r.line, source: 'terraform-plan' }, body: values });
    }
    for (const child of items(get(mod, 'child_modules'))) walk(child, depth + 1);
  };
  walk(get(get(root, 'planned_values'), 'root_module'), 0);
  return out;
}
