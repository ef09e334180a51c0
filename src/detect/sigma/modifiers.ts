import { TIME_PARTS } from './match/time-part.js';
import { SigmaRuleError } from './types.js';

/** Every modifier of the Sigma 2.1 modifier appendix this engine evaluates. */
export const SUPPORTED_MODIFIERS = new Set([
  'contains',
  'startswith',
  'endswith',
  'all',
  'exists',
  'cased',
  'neq',
  're',
  'i',
  'm',
  's',
  'base64',
  'base64offset',
  'utf16le',
  'utf16be',
  'utf16',
  'wide',
  'windash',
  'cidr',
  'lt',
  'lte',
  'gt',
  'gte',
  'fieldref',
  'expand',
  ...TIME_PARTS,
]);

export const STRING_SHAPES = ['contains', 'startswith', 'endswith'] as const;
export const ENCODINGS = [
  'base64',
  'base64offset',
  'utf16le',
  'utf16be',
  'utf16',
  'wide',
  'windash',
] as const;
export const COMPARISONS = ['lt', 'lte', 'gt', 'gte'] as const;

export interface ModifierSet {
  /** In rule order: value transforms apply in the order written. */
  readonly list: readonly string[];
  has(name: string): boolean;
}

/** Splits `Field|mod1|mod2`; an empty field name (`|all`) means a keyword search. */
export function parseKey(key: string, line?: number): { field: string | null; modifiers: ModifierSet } {
  const [field = '', ...mods] = key.split('|');
  const list: string[] = [];
  for (const raw of mods) {
    const m = raw.trim();
    if (!SUPPORTED_MODIFIERS.has(m))
      throw new SigmaRuleError('MW_SIGMA_MODIFIER', `unknown modifier '${m}' in '${key}'`, line);
    if (list.includes(m))
      throw new SigmaRuleError('MW_SIGMA_MODIFIER', `modifier '${m}' repeated in '${key}'`, line);
    list.push(m);
  }
  const set = new Set(list);
  checkCombination(key, set, line);
  return { field: field.trim() === '' ? null : field.trim(), modifiers: { list, has: (n) => set.has(n) } };
}

function bad(key: string, why: string, line?: number): SigmaRuleError {
  return new SigmaRuleError('MW_SIGMA_MODIFIER', `'${key}': ${why}`, line);
}

function checkCombination(key: string, m: Set<string>, line?: number): void {
  const shapes = STRING_SHAPES.filter((x) => m.has(x));
  const comps = COMPARISONS.filter((x) => m.has(x));
  if (shapes.length > 1) throw bad(key, `${shapes.join(' and ')} cannot be combined`, line);
  if (comps.length > 1) throw bad(key, `${comps.join(' and ')} cannot be combined`, line);
  for (const sub of ['i', 'm', 's'])
    if (m.has(sub) && !m.has('re')) throw bad(key, `'${sub}' is a sub-modifier of 're'`, line);
  const types = ['re', 'cidr', 'exists', ...COMPARISONS].filter((x) => m.has(x));
  if (types.length > 1) throw bad(key, `${types.join(' and ')} cannot be combined`, line);
  if (types.length === 1 && (shapes.length > 0 || ENCODINGS.some((e) => m.has(e))))
    throw bad(
      key,
      `'${types[0]}' takes the value as is; it cannot follow string or encoding modifiers`,
      line,
    );
  if (m.has('fieldref') && (m.has('re') || m.has('cidr') || comps.length > 0 || m.has('exists')))
    throw bad(
      key,
      "'fieldref' compares with another field; it cannot be combined with re, cidr or comparisons",
      line,
    );
  if (m.has('exists') && m.size > 1) throw bad(key, "'exists' cannot be combined with other modifiers", line);
  const parts = TIME_PARTS.filter((x) => m.has(x));
  if (parts.length > 1) throw bad(key, `${parts.join(' and ')} cannot be combined`, line);
  if (
    parts.length === 1 &&
    [...m].some((x) => x !== parts[0] && x !== 'neq' && x !== 'all' && !comps.includes(x as never))
  )
    throw bad(
      key,
      `'${parts[0]}' takes a number out of a date; only a comparison, neq or all may go with it`,
      line,
    );
}
