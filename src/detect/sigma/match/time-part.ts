import type { FieldValue } from '../../../model/event.js';
import { SigmaRuleError } from '../types.js';
import type { EvalContext } from './context.js';

/** The time modifiers of the Sigma modifier appendix: each takes one number out of a date. */
export const TIME_PARTS = ['minute', 'hour', 'day', 'week', 'month', 'year'] as const;
export type TimePart = (typeof TIME_PARTS)[number];

/** What a rule may compare each part with; a value outside can never match, so it is a rule error. */
const RANGE: Record<TimePart, readonly [number, number]> = {
  minute: [0, 59],
  hour: [0, 23],
  day: [1, 31],
  week: [1, 53],
  month: [1, 12],
  year: [1, 9999],
};

const DAY_MS = 86_400_000;

/**
 * ISO 8601 week number (1-53: the specification says 1-52, but some years have 53 ISO weeks): the week
 * with the year's first Thursday is week 1, weeks start on Monday.
 */
function isoWeek(d: Date): number {
  const day = d.getUTCDay() || 7;
  // The Thursday of d's week decides which year the week belongs to.
  const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(new Date(thursday).getUTCFullYear(), 0, 1);
  return Math.floor((thursday - yearStart) / DAY_MS / 7) + 1;
}

/**
 * The part of a date value: time fields of the model hold milliseconds since the epoch; event files may give ISO
 * 8601 text. UTC throughout: the specification leaves time zones to the backend, and events carry UTC instants.
 * Undefined for anything that is not a date.
 */
export function timePartOf(part: TimePart, v: FieldValue | undefined): number | undefined {
  let ms: number;
  if (typeof v === 'number') ms = v;
  else if (typeof v === 'string' && v.trim() !== '' && Number.isNaN(Number(v))) ms = Date.parse(v);
  else return undefined;
  if (!Number.isFinite(ms)) return undefined;
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return undefined;
  switch (part) {
    case 'minute':
      return d.getUTCMinutes();
    case 'hour':
      return d.getUTCHours();
    case 'day':
      return d.getUTCDate();
    case 'week':
      return isoWeek(d);
    case 'month':
      return d.getUTCMonth() + 1;
    case 'year':
      return d.getUTCFullYear();
  }
}

/**
 * `field|hour: 3` (equal) or `field|hour|gte: 22` (with one comparison modifier): true when a value of the field
 * is a date whose part compares so. The rule's number is checked against the part's range when compiled.
 */
export function compileTimePart(
  field: string,
  part: TimePart,
  op: 'lt' | 'lte' | 'gt' | 'gte' | undefined,
  value: unknown,
  line: number,
): (ctx: EvalContext) => boolean {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  const [lo, hi] = RANGE[part];
  if (!Number.isInteger(n) || (op === undefined && (n < lo || n > hi)))
    throw new SigmaRuleError(
      'MW_SIGMA_MODIFIER',
      `'${part}' compares with a whole number from ${lo} to ${hi}, got '${String(value)}'`,
      line,
    );
  const cmp =
    op === undefined
      ? (x: number) => x === n
      : op === 'lt'
        ? (x: number) => x < n
        : op === 'lte'
          ? (x: number) => x <= n
          : op === 'gt'
            ? (x: number) => x > n
            : (x: number) => x >= n;
  return (ctx) => {
    const v = ctx.value(field);
    if (Array.isArray(v)) {
      for (const one of v) {
        const x = timePartOf(part, one);
        if (x !== undefined && cmp(x)) return true;
      }
      return false;
    }
    const x = timePartOf(part, v as FieldValue | undefined);
    return x !== undefined && cmp(x);
  };
}
