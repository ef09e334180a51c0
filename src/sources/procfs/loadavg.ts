import { readFileSync } from 'node:fs';

/** The 1, 5 and 15 minute load averages from /proc/loadavg; null when unreadable or malformed. */
export function readLoadAvg(procDir: string): [number, number, number] | null {
  let text: string;
  try {
    text = readFileSync(`${procDir}/loadavg`, 'latin1');
  } catch {
    return null;
  }
  const v = text.trim().split(/\s+/, 3).map(Number);
  if (v.length < 3 || v.some((x) => !Number.isFinite(x) || x < 0)) return null;
  return [v[0] as number, v[1] as number, v[2] as number];
}
