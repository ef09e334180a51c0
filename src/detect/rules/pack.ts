import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { MinewardenError } from '../../model/errors.js';
import type { TelemetryEvent } from '../../model/event.js';
import type { Category } from '../../model/finding.js';
import type { Detector, Hit, RuleMeta } from '../detector.js';
import {
  CompiledRuleset,
  type LoadResult,
  loadRulePaths,
  type SigmaRule,
  sigmaDetectors,
} from '../sigma/index.js';

/**
 * The built-in rule pack: Sigma YAML under sigma/, one rule per file. Besides the standard Sigma keys every rule
 * carries our own fields (the specification allows custom fields): `name` (the dotted finding rule id),
 * `recommendation`, `confidence`, optionally `category`, and `tests` with events that must and must not match.
 */

const CATEGORIES = [
  'execution',
  'network',
  'persistence',
  'defense-evasion',
  'credential-access',
  'discovery',
  'lateral-movement',
  'impact',
  'initial-access',
] as const;

/** One test event in hunt form: Sigma taxonomy names (or model names) plus its logsource. */
const TestEventSchema = z.looseObject({
  logsource: z.strictObject({
    product: z.string().optional(),
    category: z.string().optional(),
    service: z.string().optional(),
  }),
});

export const PackFieldsSchema = z.object({
  name: z.string().regex(/^[a-z0-9]+(\.[a-z0-9-]+)+$/, 'a dotted lowercase rule id such as miner.msr-writes'),
  recommendation: z.string().min(10),
  confidence: z.number().min(0).max(1),
  category: z.enum(CATEGORIES).optional(),
  tests: z.object({
    match: z.array(TestEventSchema).min(1),
    nomatch: z.array(TestEventSchema).min(1),
  }),
});
export type PackFields = z.output<typeof PackFieldsSchema>;
export type PackTestEvent = z.output<typeof TestEventSchema>;

export interface PackRule {
  readonly rule: SigmaRule;
  readonly fields: PackFields;
}

export interface RulePack {
  readonly rules: readonly PackRule[];
  readonly load: LoadResult;
}

/** Where the YAML lives: next to this module in the checkout, or under src/ when running from dist/. */
export function packDir(): string {
  const here = import.meta.dirname;
  for (const dir of [join(here, 'sigma'), resolve(here, '../../../src/detect/rules/sigma')])
    if (existsSync(dir)) return dir;
  throw new MinewardenError('MW_INPUT_NOT_FOUND', 'the built-in rule pack is missing', {
    file: join(here, 'sigma'),
  });
}

function packFieldsOf(file: string): PackFields {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  if (docs.length !== 1)
    throw new MinewardenError('MW_INPUT_SCHEMA', 'a pack rule file holds exactly one rule', { file });
  const parsed = PackFieldsSchema.safeParse(docs[0]?.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MinewardenError('MW_INPUT_SCHEMA', issue?.message ?? 'invalid', {
      file,
      field: issue?.path.join('.') ?? '',
    });
  }
  return parsed.data;
}

/**
 * Loads the pack. Any rule that fails to load, uses an unsupported feature or lacks our fields is an error: the
 * pack ships with the product, so a broken rule is a bug, not something to skip.
 */
export function loadRulePack(dir: string = packDir()): RulePack {
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
  const load = loadRulePaths(files);
  const bad = load.failed[0];
  if (bad)
    throw new MinewardenError('MW_INPUT_SCHEMA', `${bad.code}: ${bad.message}`, {
      file: bad.file,
      line: bad.line,
    });
  const unsup = load.unsupported[0];
  if (unsup) throw new MinewardenError('MW_SIGMA_UNSUPPORTED', unsup.feature, { file: unsup.file });
  const names = new Set<string>();
  const rules = load.rules.map((rule) => {
    const fields = packFieldsOf(rule.file);
    if (names.has(fields.name))
      throw new MinewardenError('MW_INPUT_SCHEMA', `duplicate rule name ${fields.name}`, { file: rule.file });
    names.add(fields.name);
    return { rule, fields };
  });
  return { rules, load };
}

/** The finding metadata of a pack rule: Sigma's own plus our custom fields. */
export function packMeta(base: RuleMeta, fields: PackFields): RuleMeta {
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

/** The pack as detectors for the engine: one shared compiled ruleset, our ids and metadata on every finding. */
export function packDetectors(pack: RulePack = loadRulePack()): Detector[] {
  const ruleset = new CompiledRuleset(pack.rules.map((r) => r.rule));
  const byRule = new Map(pack.rules.map((r) => [r.rule, r.fields]));
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
