import { copyFileSync, readFileSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { z } from 'zod';
import {
  exists,
  fileMeta,
  fileSha256,
  isImmutable,
  setImmutable,
  sha256,
  uniqueDir,
  writeWithMeta,
} from '../fsutil.js';
import { PERSISTENCE_KINDS } from '../persistence/locations.js';
import { type Action, type ActionContext, RefusedError, zodParser } from '../types.js';

export const UnpersistParamsSchema = z.object({
  kind: z.enum(PERSISTENCE_KINDS),
  path: z.string().startsWith('/'),
  mode: z.enum(['lines', 'file']),
  lines: z.array(z.object({ n: z.number().int().positive(), text: z.string(), why: z.string() })),
  why: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  symlinks: z.array(z.string().startsWith('/')),
  needsConfirmation: z.boolean(),
});
export type UnpersistParams = z.infer<typeof UnpersistParamsSchema>;

export const UnpersistUndoSchema = z.object({
  backup: z.string(),
  sha256Before: z.string(),
  /** Null when the file was removed. */
  sha256After: z.string().nullable(),
  meta: z.object({
    mode: z.number(),
    uid: z.number(),
    gid: z.number(),
    atimeMs: z.number(),
    mtimeMs: z.number(),
  }),
  immutable: z.boolean(),
  symlinks: z.array(z.object({ path: z.string(), target: z.string() })),
});
export type UnpersistUndo = z.infer<typeof UnpersistUndoSchema>;

function under(ctx: ActionContext, hostPath: string): string {
  if (hostPath.split('/').includes('..')) throw new RefusedError(`path ${hostPath} contains '..'`);
  return `${ctx.root === '/' ? '' : ctx.root.replace(/\/+$/, '')}${hostPath}`;
}

/**
 * The file without the planned lines (numbered as `split('\n')` numbers them), byte for byte otherwise: each kept line
 * keeps its own terminator, so CRLF files stay CRLF and a missing final newline stays missing.
 */
export function withoutLines(text: string, drop: readonly number[]): string {
  const gone = new Set(drop);
  const records = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  return records.filter((_, i) => !gone.has(i + 1)).join('');
}

/**
 * Backs the file up, lifts the immutable flag the attacker set, and removes the planned lines (or the file with its
 * enablement symlinks). Refuses when the file changed since the plan: the line numbers would no longer be true.
 */
async function apply(p: UnpersistParams, ctx: ActionContext): Promise<UnpersistUndo> {
  const file = under(ctx, p.path);
  const before = readFileSync(file);
  const hash = sha256(before);
  if (hash !== p.sha256) throw new RefusedError(`${p.path} changed since the plan; plan again`);
  const meta = fileMeta(file);
  const backup = `${uniqueDir(`${ctx.stateDir}/backups`, 'unpersist')}/original`;
  copyFileSync(file, backup);
  const immutable = await isImmutable(file);
  if (immutable) await setImmutable(file, false);
  const symlinks: UnpersistUndo['symlinks'] = [];
  let after: string | null = null;
  if (p.mode === 'file') {
    for (const l of p.symlinks) {
      const lp = under(ctx, l);
      try {
        symlinks.push({ path: l, target: readlinkSync(lp) });
        unlinkSync(lp);
      } catch {}
    }
    unlinkSync(file);
  } else {
    const text = before.toString('utf8');
    const lines = text.split('\n');
    for (const l of p.lines) {
      if (lines[l.n - 1] !== l.text) throw new RefusedError(`${p.path} line ${l.n} is not what was planned`);
    }
    const next = Buffer.from(
      withoutLines(
        text,
        p.lines.map((l) => l.n),
      ),
      'utf8',
    );
    // Cron and sshd re-read on mtime; keep the owner and mode, and let the time move forward.
    writeWithMeta(file, next, { ...meta, atimeMs: Date.now(), mtimeMs: Date.now() });
    after = sha256(next);
    if (immutable) await setImmutable(file, true);
  }
  return { backup, sha256Before: hash, sha256After: after, meta, immutable, symlinks };
}

async function verify(p: UnpersistParams, u: UnpersistUndo, ctx: ActionContext) {
  const file = under(ctx, p.path);
  if (p.mode === 'file') {
    return exists(file)
      ? { ok: false, detail: `${p.path} is still there` }
      : { ok: true, detail: `${p.path} removed` };
  }
  const now = fileSha256(file);
  if (now !== u.sha256After) return { ok: false, detail: `${p.path} changed again after the edit` };
  const text = readFileSync(file, 'utf8');
  const back = p.lines.filter((l) => text.split('\n').includes(l.text));
  return back.length === 0
    ? { ok: true, detail: `${p.lines.length} line(s) removed from ${p.path}` }
    : { ok: false, detail: `${p.path} still has ${back.length} planned line(s)` };
}

/** Puts the original back exactly (bytes, mode, owner, times, immutable flag, symlinks). */
async function undo(p: UnpersistParams, u: UnpersistUndo, ctx: ActionContext): Promise<void> {
  const file = under(ctx, p.path);
  const now = fileSha256(file);
  if (now !== u.sha256After && now !== u.sha256Before) {
    throw new Error(`${p.path} changed after the action; not overwriting it (original at ${u.backup})`);
  }
  const data = readFileSync(u.backup);
  if (sha256(data) !== u.sha256Before) throw new Error(`backup ${u.backup} does not match its sha256`);
  if (now !== null && (await isImmutable(file))) await setImmutable(file, false);
  writeWithMeta(file, data, u.meta);
  if (u.immutable) await setImmutable(file, true);
  for (const l of u.symlinks) {
    const lp = under(ctx, l.path);
    if (!exists(lp)) symlinkSync(l.target, lp);
  }
}

export const unpersistAction: Action<UnpersistParams, UnpersistUndo> = {
  kind: 'unpersist',
  parseParams: zodParser(UnpersistParamsSchema),
  parseUndo: zodParser(UnpersistUndoSchema),
  apply,
  verify,
  undo,
};
