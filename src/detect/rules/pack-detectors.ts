import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MinewardenError } from '../../model/errors.js';
import type { TelemetryEvent } from '../../model/event.js';
import type { Category } from '../../model/finding.js';
import { packagePath } from '../../util/package-root.js';
import type { Detector, Hit, RuleMeta } from '../detector.js';
import { sigmaDetectors } from '../sigma/findings.js';
import type { SigmaRule } from '../sigma/parse/rule.js';
import { CompiledRuleset } from '../sigma/ruleset.js';
import type { PackFields } from './pack.js';

/** The custom fields a finding needs at run time; `tests` only matter to the pack's own tests. */
export type PackMetaFields = Pick<PackFields, 'name' | 'recommendation' | 'confidence' | 'category'>;

/** Where the YAML lives: next to this module in the checkout, or under src/ when running from dist/ (or the bundle). */
export function packDir(): string {
  const here = import.meta.dirname;
  for (const dir of [join(here, 'sigma'), packagePath('src', 'detect', 'rules', 'sigma')])
    if (existsSync(dir)) return dir;
  throw new MinewardenError('MW_INPUT_NOT_FOUND', 'the built-in rule pack is missing', {
    file: join(here, 'sigma'),
  });
}

/** The finding metadata of a pack rule: Sigma's own plus our custom fields. */
export function packMeta(base: RuleMeta, fields: PackMetaFields): RuleMeta {
  const category: Category = fields.category ?? base.category;
  return {
    ...base,
    id: fields.name,
    confidence: fields.confidence,
    recommendation: fields.recommendation,
    category,
  };
}

/** Evidence keeps what the rule read, verbatim, but a swept file's whole content is cut to its start. */
const MAX_EVIDENCE_CHARS = 2048;

function capEvidence(hit: Hit): Hit {
  const fields = hit.evidence.fields;
  if (typeof fields !== 'object' || fields === null) return hit;
  const capped: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields))
    capped[k] =
      typeof v === 'string' && v.length > MAX_EVIDENCE_CHARS ? `${v.slice(0, MAX_EVIDENCE_CHARS)}…` : v;
  return { ...hit, evidence: { ...hit.evidence, fields: capped } };
}

/** Pack rules as detectors for the engine: one shared compiled ruleset, our ids and metadata on every finding. */
export function packRuleDetectors(
  rules: readonly { readonly rule: SigmaRule; readonly fields: PackMetaFields }[],
): Detector[] {
  // Remembers answers per input: scans and agents see the same processes and commands over and over.
  const ruleset = new CompiledRuleset(
    rules.map((r) => r.rule),
    { memo: true },
  );
  const byRule = new Map(rules.map((r) => [r.rule, r.fields]));
  const detectors = sigmaDetectors(ruleset);
  return detectors.map((d, i) => {
    const rule = ruleset.rules[i];
    const fields = rule ? byRule.get(rule) : undefined;
    if (!fields) return d;
    return {
      ...d,
      meta: packMeta(d.meta, fields),
      detect: (e: TelemetryEvent) => {
        const out = d.detect(e);
        if (out === null) return null;
        return Array.isArray(out) ? out.map(capEvidence) : capEvidence(out);
      },
    };
  });
}
