import { compileDetection } from './compile/detection.js';
import { resolveField } from './compile/fields.js';
import { parseDetection } from './parse/detection.js';
import type { RuleDocument, YamlPath } from './parse/documents.js';
import type { SigmaRule } from './parse/rule.js';
import type { Logsource, RuleHeader } from './types.js';

/**
 * A detection rule that already passed the loader (YAML read, schema checked, compiled once), kept as plain data:
 * the header, the logsource, the `detection` section as written and the line of every key in it. Compiling it
 * again needs neither the YAML parser nor the schema library, which is what keeps them out of a scan.
 */
export interface PrecompiledRule {
  readonly header: Omit<RuleHeader, 'file'>;
  readonly logsource: Logsource;
  readonly detection: Record<string, unknown>;
  /** Line of each path under `detection`, keyed by the path joined with '/'; missing paths take the rule's line. */
  readonly lines: Readonly<Record<string, number>>;
}

const pathKey = (path: YamlPath): string => path.join('/');

function collectLines(
  value: unknown,
  path: (string | number)[],
  doc: RuleDocument,
  out: Record<string, number>,
) {
  out[pathKey(path)] = doc.lineOf(path);
  if (Array.isArray(value)) for (const [i, v] of value.entries()) collectLines(v, [...path, i], doc, out);
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) collectLines(v, [...path, k], doc, out);
}

/** The data form of a loaded rule, from its compiled form and the YAML document it came from. */
export function precompileRule(rule: SigmaRule, doc: RuleDocument): PrecompiledRule {
  const data = doc.data as Record<string, unknown>;
  const detection = data['detection'] as Record<string, unknown>;
  const lines: Record<string, number> = {};
  collectLines(detection, ['detection'], doc, lines);
  if (rule.filters?.length)
    throw new Error(`${rule.file}: a rule with Sigma filters applied cannot be precompiled`);
  const { file: _file, kind: _kind, logsource, detection: _compiled, filters: _filters, ...header } = rule;
  return { header, logsource, detection, lines };
}

/** Compiles a precompiled rule back into a detection rule; `file` is where its YAML lives, for evidence. */
export function compilePrecompiledRule(p: PrecompiledRule, file: string): SigmaRule {
  const lineOf = (path: YamlPath): number => p.lines[pathKey(path)] ?? p.header.line;
  return {
    ...p.header,
    file,
    kind: 'detection',
    logsource: p.logsource,
    detection: compileDetection(parseDetection(p.detection, lineOf), resolveField),
  };
}
