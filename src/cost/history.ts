import { appendFileSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { MinewardenError } from '../model/errors.js';
import { type UsageSample, UsageSampleSchema } from './sample.js';

/**
 * Usage history as NDJSON, one sample per line, until the store exists. Only this host's samples are returned, oldest
 * first. A last line without its newline is a write cut short by a crash and is ignored; any other bad line is an
 * error naming file:line, because silently dropping history would silently change every baseline.
 */
export const DEFAULT_STATE_FILE = './data/cost-history.ndjson';
export const MAX_STATE_BYTES = 256 * 1024 * 1024;
const DAY_MS = 24 * 3600 * 1000;
/** Four weeks: the hour-of-week baseline wants three, plus margin. */
export const DEFAULT_RETENTION_MS = 28 * DAY_MS;
/**
 * Per-process lists are kept for a week (the longest useful `cost --since`); older samples keep only host and
 * container totals, which is all the baseline reads. Compaction runs once a day, not on every append.
 */
export const PROCESS_RETENTION_MS = 7 * DAY_MS;

export function readHistory(file: string, hostId?: string): UsageSample[] {
  let text: string;
  try {
    if (statSync(file).size > MAX_STATE_BYTES)
      throw new MinewardenError('MW_INPUT_UNREADABLE', `state file is over ${MAX_STATE_BYTES} bytes`, {
        file,
      });
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof MinewardenError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new MinewardenError('MW_INPUT_UNREADABLE', `cannot read state file: ${String(err)}`, { file });
  }
  const lines = text.split('\n');
  // The piece after the last newline is empty, or a line whose write was cut short: never read it.
  const complete = lines.length - 1;
  const out: UsageSample[] = [];
  for (let i = 0; i < complete; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new MinewardenError('MW_INPUT_PARSE', 'state line is not JSON', { file, line: i + 1 });
    }
    const parsed = UsageSampleSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new MinewardenError('MW_INPUT_SCHEMA', issue?.message ?? 'invalid sample', {
        file,
        line: i + 1,
        field: issue?.path.join('.') ?? '',
      });
    }
    if (hostId === undefined || parsed.data.hostId === hostId) out.push(parsed.data);
  }
  return out.sort((a, b) => a.time - b.time);
}

/**
 * Appends a sample. Once a day's worth of samples is past retention (or past the process-list week), the file is
 * rewritten without them (to a temporary file, then renamed, so a crash leaves the old or the new file, never half).
 */
export function appendSample(
  file: string,
  sample: UsageSample,
  existing: readonly UsageSample[],
  retentionMs = DEFAULT_RETENTION_MS,
): void {
  const line = `${JSON.stringify(sample)}\n`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    const cutoff = sample.time - retentionMs;
    const stripBefore = sample.time - PROCESS_RETENTION_MS;
    const due =
      existing.some((s) => s.time < cutoff - DAY_MS) ||
      existing.some((s) => s.time < stripBefore - DAY_MS && s.processes.length > 0);
    if (due) {
      // Other hosts' lines (a shared file) are compacted too; reading all keeps their recent ones.
      const kept = readHistory(file)
        .filter((s) => s.time >= cutoff)
        .map((s) => `${JSON.stringify(s.time < stripBefore ? { ...s, processes: [] } : s)}\n`);
      const tmp = `${file}.tmp-${process.pid}`;
      writeFileSync(tmp, kept.join('') + line);
      renameSync(tmp, file);
    } else {
      appendFileSync(file, line);
    }
  } catch (err) {
    if (err instanceof MinewardenError) throw err;
    throw new MinewardenError('MW_INPUT_UNREADABLE', `cannot write state file: ${String(err)}`, { file });
  }
}

/**
 * The sample to measure a window from: the latest one at or before the window start (the window is then covered in
 * full), else the earliest one inside it (covered from that sample on). Samples from before the current boot are
 * skipped, since counters restart at boot.
 */
export function pickBaseline(
  history: readonly UsageSample[],
  now: UsageSample,
  windowStart: number,
): UsageSample | null {
  const usable = history.filter((s) => s.time < now.time && s.bootTime === now.bootTime);
  let before: UsageSample | null = null;
  for (const s of usable) if (s.time <= windowStart) before = s;
  return before ?? usable.find((s) => s.time > windowStart) ?? null;
}
