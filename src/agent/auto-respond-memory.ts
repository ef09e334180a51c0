import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

export type AutoMode = 'simulate' | 'enforce';

const EntrySchema = z.object({
  /** Epoch ms of the run that handled the finding. */
  at: z.number(),
  mode: z.enum(['simulate', 'enforce']),
  /** Planned again from this epoch ms on (a rate limit said no; the window it counted will have passed). */
  retryAt: z.number().optional(),
});
export type HandledEntry = z.infer<typeof EntrySchema>;

const FileSchema = z.object({ version: z.literal(1), handled: z.record(z.string(), EntrySchema) });

/**
 * Which findings automatic response already decided about, by finding id (ids are the same in every scan and in
 * live detection), so a miner seen again in the next scan is not planned, journaled or killed again. Bounded: past
 * `max` the oldest decisions are forgotten. Kept in a file in the state dir so a restart does not redo them.
 */
export class HandledMemory {
  private readonly handled = new Map<string, HandledEntry>();
  private dirty = false;

  constructor(
    private readonly file: string,
    private readonly max: number,
    log?: (msg: string, f?: Record<string, unknown>) => void,
  ) {
    let text: string | null = null;
    try {
      text = readFileSync(file, 'utf8');
    } catch {}
    if (text === null) return;
    const parsed = FileSchema.safeParse(safeJson(text));
    if (!parsed.success) {
      // A damaged file costs one more decision per finding (journaled, rate limited), never a missed one.
      log?.('auto-respond memory ignored', { file, error: parsed.error.issues[0]?.message ?? 'invalid' });
      return;
    }
    const rows = Object.entries(parsed.data.handled).sort((a, b) => a[1].at - b[1].at);
    for (const [id, e] of rows.slice(-max)) this.handled.set(id, e);
  }

  /** True when the finding needs a decision now: never decided, simulated before and now enforcing, or due again. */
  wants(id: string, mode: AutoMode, now: number): boolean {
    const e = this.handled.get(id);
    if (!e) return true;
    if (e.mode === 'simulate' && mode === 'enforce') return true;
    return e.retryAt !== undefined && now >= e.retryAt;
  }

  remember(id: string, entry: HandledEntry): void {
    this.handled.delete(id);
    this.handled.set(id, entry);
    while (this.handled.size > this.max) {
      const oldest = this.handled.keys().next().value;
      if (oldest === undefined) break;
      this.handled.delete(oldest);
    }
    this.dirty = true;
  }

  get size(): number {
    return this.handled.size;
  }

  /** Writes the file when something changed (temporary file and rename: a crash leaves the old or the new one). */
  save(): void {
    if (!this.dirty) return;
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, handled: Object.fromEntries(this.handled) }), {
      mode: 0o600,
    });
    renameSync(tmp, this.file);
    this.dirty = false;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
