import { MinewardenError } from '../model/errors.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** "90s", "30m", "24h", "7d", "2w" -> milliseconds; anything else is a usage error naming the option. */
export function parseDuration(text: string, option = '--since'): number {
  const m = /^(\d{1,6})([smhdw])$/.exec(text.trim());
  const n = m ? Number(m[1]) : 0;
  if (!m || n <= 0) {
    throw new MinewardenError('MW_USAGE', `${option} wants a duration like 30m, 24h or 7d, got "${text}"`);
  }
  return n * (UNIT_MS[m[2] as string] as number);
}
