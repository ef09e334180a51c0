import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { MinewardenError } from '../../model/errors.js';
import type { Detector } from '../detector.js';
import { type LoadResult, loadRulePaths, type SigmaRule } from '../sigma/index.js';
import { packDir, packRuleDetectors } from './pack-detectors.js';

export { packDir, packMeta } from './pack-detectors.js';

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

/** The pack as detectors for the engine, compiled from the YAML (what ships is builtin-pack.ts, from pack.json). */
export function packDetectors(pack: RulePack = loadRulePack()): Detector[] {
  return packRuleDetectors(pack.rules);
}
