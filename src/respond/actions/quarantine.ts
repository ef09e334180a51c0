import { mkdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { listPids } from '../../sources/procfs/process.js';
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
import { identityMismatch, readIdentity } from '../identity.js';
import { type Action, type ActionContext, RefusedError, zodParser } from '../types.js';

export const QuarantineParamsSchema = z.object({
  /** Absolute path of the executable on this host. */
  path: z.string().startsWith('/'),
  /** The process running it: lets us read a deleted binary through /proc/PID/exe and re-check identity. */
  process: z
    .object({ pid: z.number().int().positive(), startTime: z.number(), exe: z.string().nullable() })
    .optional(),
  /** Pids in the plan's kill tree: they may share the binary; anyone else running it blocks quarantine. */
  treePids: z.array(z.number().int()),
});
export type QuarantineParams = z.infer<typeof QuarantineParamsSchema>;

const MetaSchema = z.object({
  mode: z.number().int(),
  uid: z.number().int(),
  gid: z.number().int(),
  atimeMs: z.number(),
  mtimeMs: z.number(),
});

export const QuarantineUndoSchema = z.object({
  dir: z.string(),
  blob: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  meta: MetaSchema,
  /** The file was already deleted on disk; only the in-memory image was saved, so undo has no file to restore. */
  fromProcOnly: z.boolean(),
  immutable: z.boolean(),
});
export type QuarantineUndo = z.infer<typeof QuarantineUndoSchema>;

function otherUsers(ctx: ActionContext, params: QuarantineParams): number[] {
  const tree = new Set(params.treePids);
  const out: number[] = [];
  for (const pid of listPids(ctx.procDir)) {
    if (tree.has(pid)) continue;
    const id = readIdentity(ctx.procDir, pid);
    if (id?.exe === params.path && id.state !== 'Z') out.push(pid);
  }
  return out;
}

/**
 * Moves the binary into a root-only directory with its metadata and sha256. Runs before the kill in a plan so a
 * watchdog cannot relaunch it in between; a binary already deleted from disk is saved from /proc/PID/exe.
 */
async function apply(params: QuarantineParams, ctx: ActionContext): Promise<QuarantineUndo> {
  let source = params.path;
  let fromProcOnly = false;
  if (params.process) {
    const now = readIdentity(ctx.procDir, params.process.pid);
    const changed = identityMismatch(params.process, now);
    if (changed) throw new RefusedError(`identity changed: ${changed}`);
    const unsafe = ctx.safety.checkProcess(now!);
    if (unsafe) throw new RefusedError(unsafe);
    if (now!.exeDeleted || !exists(params.path)) {
      source = `${ctx.procDir}/${params.process.pid}/exe`;
      fromProcOnly = true;
    }
  }
  if (!fromProcOnly) {
    const shared = otherUsers(ctx, params);
    if (shared.length > 0)
      throw new RefusedError(
        `${params.path} is also run by pid ${shared.slice(0, 5).join(', ')} outside this plan; not moving a shared binary`,
      );
  }
  const data = readFileSync(source);
  const hash = sha256(data);
  const meta = fileMeta(source);
  const dir = uniqueDir(`${ctx.stateDir}/quarantine`, hash.slice(0, 12));
  const blob = `${dir}/blob`;
  writeFileSync(blob, data, { mode: 0o400 });
  const immutable = !fromProcOnly && (await isImmutable(params.path));
  const undo: QuarantineUndo = { dir, blob, sha256: hash, size: data.length, meta, fromProcOnly, immutable };
  writeFileSync(
    `${dir}/meta.json`,
    `${JSON.stringify({ originalPath: params.path, quarantinedAt: new Date(ctx.now()).toISOString(), ...undo }, null, 2)}\n`,
    { mode: 0o400 },
  );
  if (!fromProcOnly) {
    if (immutable) await setImmutable(params.path, false);
    unlinkSync(params.path);
  }
  return undo;
}

async function verify(params: QuarantineParams, undo: QuarantineUndo) {
  if (!undo.fromProcOnly && exists(params.path))
    return { ok: false, detail: `${params.path} is still there` };
  const h = fileSha256(undo.blob);
  return h === undo.sha256
    ? { ok: true, detail: `quarantined at ${undo.blob} (sha256 ${h.slice(0, 16)}…)` }
    : { ok: false, detail: `quarantined copy is missing or altered (${undo.blob})` };
}

async function undo(params: QuarantineParams, u: QuarantineUndo): Promise<void> {
  if (u.fromProcOnly)
    throw new Error(`${params.path} was deleted before quarantine; the copy stays at ${u.blob}`);
  if (exists(params.path))
    throw new Error(`${params.path} exists again; not overwriting it (copy at ${u.blob})`);
  const data = readFileSync(u.blob);
  if (sha256(data) !== u.sha256) throw new Error(`quarantined copy ${u.blob} does not match its sha256`);
  mkdirSync(dirname(params.path), { recursive: true });
  const tmp = `${params.path}.mw-restore`;
  writeWithMeta(tmp, data, u.meta);
  renameSync(tmp, params.path);
  if (u.immutable) await setImmutable(params.path, true);
  rmSync(u.dir, { recursive: true, force: true });
}

export const quarantineAction: Action<QuarantineParams, QuarantineUndo> = {
  kind: 'quarantine',
  parseParams: zodParser(QuarantineParamsSchema),
  parseUndo: zodParser(QuarantineUndoSchema),
  apply,
  verify,
  undo,
};
