import { LIMITS } from '../limits.js';
import { type ModifierSet, parseKey } from '../modifiers.js';
import { SigmaRuleError } from '../types.js';
import type { YamlPath } from './documents.js';

export type SigmaScalar = string | number | boolean | null;

/** One `field|modifiers: values` entry, or a keyword search when `field` is null. */
export interface DetectionItem {
  readonly field: string | null;
  readonly modifiers: ModifierSet;
  readonly values: readonly SigmaScalar[];
  readonly line: number;
}

/** A search identifier: OR over groups, each group an AND over items (maps are AND, lists are OR). */
export interface SearchIdentifier {
  readonly name: string;
  readonly groups: readonly (readonly DetectionItem[])[];
  readonly line: number;
}

export interface ParsedDetection {
  readonly identifiers: ReadonlyMap<string, SearchIdentifier>;
  readonly conditions: readonly string[];
  readonly conditionLine: number;
}

type LineOf = (path: YamlPath) => number;

function isScalar(v: unknown): v is SigmaScalar {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function scalarValues(v: unknown, where: string, line: number): SigmaScalar[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) throw new SigmaRuleError('MW_SIGMA_SCHEMA', `${where}: empty value list`, line);
  for (const x of list)
    if (!isScalar(x))
      throw new SigmaRuleError('MW_SIGMA_SCHEMA', `${where}: values must be strings, numbers or null`, line);
  return list as SigmaScalar[];
}

function mapGroup(map: Record<string, unknown>, path: YamlPath, lineOf: LineOf): DetectionItem[] {
  const items: DetectionItem[] = [];
  for (const [key, value] of Object.entries(map)) {
    const line = lineOf([...path, key]);
    const { field, modifiers } = parseKey(key, line);
    items.push({ field, modifiers, values: scalarValues(value, `'${key}'`, line), line });
  }
  if (items.length === 0) throw new SigmaRuleError('MW_SIGMA_SCHEMA', 'empty selection map', lineOf(path));
  return items;
}

function parseIdentifier(name: string, body: unknown, lineOf: LineOf): SearchIdentifier {
  const path = ['detection', name];
  const line = lineOf(path);
  const noMods = parseKey('', line).modifiers;
  if (isRecord(body)) return { name, groups: [mapGroup(body, path, lineOf)], line };
  if (isScalar(body))
    return { name, groups: [[{ field: null, modifiers: noMods, values: [body], line }]], line };
  if (!Array.isArray(body))
    throw new SigmaRuleError('MW_SIGMA_SCHEMA', `search identifier '${name}' must be a map or a list`, line);
  if (body.length === 0)
    throw new SigmaRuleError('MW_SIGMA_SCHEMA', `search identifier '${name}' is an empty list`, line);
  const groups: DetectionItem[][] = [];
  const keywords: SigmaScalar[] = [];
  body.forEach((el, i) => {
    if (isRecord(el)) groups.push(mapGroup(el, [...path, i], lineOf));
    else if (isScalar(el)) keywords.push(el);
    else
      throw new SigmaRuleError(
        'MW_SIGMA_SCHEMA',
        `search identifier '${name}': list items must be maps or values`,
        lineOf([...path, i]),
      );
  });
  if (keywords.length > 0) groups.push([{ field: null, modifiers: noMods, values: keywords, line }]);
  return { name, groups, line };
}

/** Reads the `detection` section into search identifiers and condition strings, without compiling anything. */
export function parseDetection(detection: Record<string, unknown>, lineOf: LineOf): ParsedDetection {
  const identifiers = new Map<string, SearchIdentifier>();
  const entries = Object.entries(detection).filter(([k]) => k !== 'condition' && k !== 'timeframe');
  if (entries.length > LIMITS.maxIdentifiers)
    throw new SigmaRuleError(
      'MW_SIGMA_TOO_LARGE',
      `${entries.length} search identifiers, over the ${LIMITS.maxIdentifiers} limit`,
      lineOf(['detection']),
    );
  if ('timeframe' in detection)
    throw new SigmaRuleError(
      'unsupported',
      "'timeframe' in detection (Sigma 1.x aggregation; use a correlation rule)",
      lineOf(['detection', 'timeframe']),
    );
  for (const [name, body] of entries) identifiers.set(name, parseIdentifier(name, body, lineOf));
  const raw = detection['condition'];
  const conditionLine = lineOf(['detection', 'condition']);
  const conditions = Array.isArray(raw) ? raw : [raw];
  if (
    raw === undefined ||
    conditions.length === 0 ||
    !conditions.every((c) => typeof c === 'string' && c.trim())
  )
    throw new SigmaRuleError(
      'MW_SIGMA_SCHEMA',
      'detection.condition must be a non-empty string or list of strings',
      conditionLine,
    );
  return { identifiers, conditions: conditions as string[], conditionLine };
}
