import { join } from 'node:path';
import type { Detector } from '../detector.js';
import { compilePrecompiledRule } from '../sigma/precompiled.js';
import data from './pack.json' with { type: 'json' };
import { packDir, packRuleDetectors } from './pack-detectors.js';
import type { PackJson } from './pack-json.js';

/**
 * The rule pack that ships, compiled from pack.json (the YAML already loaded and validated when the file was
 * generated; a test checks it against the YAML). Scans and the agent use this, so they never load the YAML parser
 * or the schema library for the pack.
 */
export function builtinPackDetectors(): Detector[] {
  const pack = data as unknown as PackJson;
  const dir = packDir();
  return packRuleDetectors(
    pack.rules.map((r) => ({ rule: compilePrecompiledRule(r.rule, join(dir, r.file)), fields: r.fields })),
  );
}
