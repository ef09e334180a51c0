import { LIMITS } from '../limits.js';
import {
  base64,
  base64offset,
  type Transformed,
  utf16be,
  utf16bom,
  utf16le,
  windash,
} from '../match/transforms.js';
import {
  hasWildcards,
  literalPattern,
  type Pattern,
  parseWildcards,
  wrapPattern,
} from '../match/wildcard.js';
import { ENCODINGS, type ModifierSet, STRING_SHAPES } from '../modifiers.js';
import type { SigmaScalar } from '../parse/detection.js';
import { SigmaRuleError } from '../types.js';

const TRANSFORMS: Record<(typeof ENCODINGS)[number], (v: Transformed, line?: number) => Transformed[]> = {
  base64,
  base64offset,
  utf16le,
  utf16be,
  utf16: utf16bom,
  wide: utf16le,
  windash,
};

/**
 * The string patterns one detection value stands for, after the encoding modifiers (in rule order) and the
 * contains/startswith/endswith shape. Encoded values are literal: a wildcard cannot survive base64.
 */
export function expandStringValue(
  value: Exclude<SigmaScalar, null>,
  mods: ModifierSet,
  keyword: boolean,
  line: number,
): Pattern[] {
  const text = String(value);
  const encodes = mods.list.some((m) => m !== 'windash' && (ENCODINGS as readonly string[]).includes(m));
  let current: Transformed[];
  if (encodes) {
    const p = parseWildcards(text);
    if (hasWildcards(p))
      throw new SigmaRuleError(
        'MW_SIGMA_MODIFIER',
        `wildcards cannot be combined with encoding modifiers (value '${text.slice(0, 40)}')`,
        line,
      );
    current = [{ text: p.map((x) => (typeof x === 'string' ? '' : x.lit)).join(''), binary: false }];
  } else current = [{ text, binary: false }];
  for (const m of mods.list) {
    const f = TRANSFORMS[m as (typeof ENCODINGS)[number]];
    if (!f) continue;
    current = current.flatMap((v) => f(v, line));
    if (current.length > LIMITS.maxExpandedValues)
      throw new SigmaRuleError(
        'MW_SIGMA_TOO_LARGE',
        `value expands to more than ${LIMITS.maxExpandedValues} alternatives`,
        line,
      );
  }
  const shape = STRING_SHAPES.find((s) => mods.has(s));
  const leading = keyword || shape === 'contains' || shape === 'endswith';
  const trailing = keyword || shape === 'contains' || shape === 'startswith';
  return current.map((v) =>
    wrapPattern(encodes ? literalPattern(v.text) : parseWildcards(v.text), leading, trailing),
  );
}
