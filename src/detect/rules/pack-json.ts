import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseRuleDocuments } from '../sigma/parse/documents.js';
import { type PrecompiledRule, precompileRule } from '../sigma/precompiled.js';
import { loadRulePack, type RulePack } from './pack.js';
import type { PackMetaFields } from './pack-detectors.js';

/** src/detect/rules/pack.json: the pack after loading and validation, so a scan needs no YAML parser or zod. */
export interface PackJson {
  readonly generatedFrom: string;
  readonly rules: readonly {
    readonly file: string;
    readonly fields: PackMetaFields;
    readonly rule: PrecompiledRule;
  }[];
}

/** The pack's JSON form (regenerate with `node --import tsx scripts/gen-rule-pack.mjs`; a test checks it). */
export function packJson(pack: RulePack = loadRulePack()): PackJson {
  return {
    generatedFrom: 'src/detect/rules/sigma (node --import tsx scripts/gen-rule-pack.mjs); do not edit',
    rules: pack.rules.map(({ rule, fields }) => {
      const doc = parseRuleDocuments(readFileSync(rule.file, 'utf8')).documents[0];
      if (!doc) throw new Error(`${rule.file}: no YAML document`);
      const { name, recommendation, confidence, category } = fields;
      return {
        file: basename(rule.file),
        fields: { name, recommendation, confidence, ...(category ? { category } : {}) },
        rule: precompileRule(rule, doc),
      };
    }),
  };
}
