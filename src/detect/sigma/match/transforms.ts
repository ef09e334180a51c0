import { LIMITS } from '../limits.js';
import { SigmaRuleError } from '../types.js';

/**
 * Value transformations (base64, base64offset, utf16*, windash). Encoded forms are kept as "binary strings" (one
 * char per byte) only between transforms; what reaches a matcher is text that can appear in an event field.
 */
export interface Transformed {
  readonly text: string;
  /** True when `text` holds bytes (one char per byte), e.g. after utf16le, until base64 turns it into text. */
  readonly binary: boolean;
}

function bytesOf(v: Transformed): Buffer {
  return Buffer.from(v.text, v.binary ? 'latin1' : 'utf8');
}

export function base64(v: Transformed): Transformed[] {
  return [{ text: bytesOf(v).toString('base64'), binary: false }];
}

/** The three shifted encodings of a value that sits at an unknown offset inside a base64 string (as pySigma does). */
export function base64offset(v: Transformed): Transformed[] {
  const bytes = bytesOf(v);
  const starts = [0, 2, 3];
  const ends = [undefined, -3, -2];
  const out: Transformed[] = [];
  for (let i = 0; i < 3; i++) {
    const enc = Buffer.concat([Buffer.alloc(i, 0x20), bytes]).toString('base64');
    const end = ends[(bytes.length + i) % 3];
    out.push({ text: enc.slice(starts[i], end), binary: false });
  }
  return out;
}

function utf16(v: Transformed, bigEndian: boolean, bom: boolean): Transformed[] {
  const text = v.binary ? Buffer.from(v.text, 'latin1').toString('utf8') : v.text;
  const le = Buffer.from(text, 'utf16le');
  if (bigEndian) le.swap16();
  const prefix = bom ? (bigEndian ? '\xfe\xff' : '\xff\xfe') : '';
  return [{ text: prefix + le.toString('latin1'), binary: true }];
}

export const utf16le = (v: Transformed): Transformed[] => utf16(v, false, false);
export const utf16be = (v: Transformed): Transformed[] => utf16(v, true, false);
export const utf16bom = (v: Transformed): Transformed[] => utf16(v, false, true);

const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'];
const WORD = /\w/;

/**
 * Every spelling of command-line flags: a `-` or `/` that starts a word (not preceded by a word character and
 * followed by one) may be any of the five dash characters.
 */
export function windash(v: Transformed, line?: number): Transformed[] {
  const s = v.text;
  const positions: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if ((c === '-' || c === '/') && !WORD.test(s[i - 1] ?? ' ') && WORD.test(s[i + 1] ?? ' '))
      positions.push(i);
  }
  if (DASHES.length ** positions.length > LIMITS.maxExpandedValues)
    throw new SigmaRuleError(
      'MW_SIGMA_TOO_LARGE',
      `windash would expand '${s.slice(0, 40)}' to more than ${LIMITS.maxExpandedValues} values`,
      line,
    );
  let variants = [''];
  let last = 0;
  for (const pos of positions) {
    const chunk = s.slice(last, pos);
    variants = variants.flatMap((prefix) => DASHES.map((d) => prefix + chunk + d));
    last = pos + 1;
  }
  const rest = s.slice(last);
  return variants.map((x) => ({ text: x + rest, binary: v.binary }));
}
