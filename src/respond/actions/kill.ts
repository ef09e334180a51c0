import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import {
  descendants,
  type ExpectedIdentity,
  identityMismatch,
  type ProcessIdentity,
  readIdentity,
} from '../identity.js';
import { type Action, type ActionContext, RefusedError, zodParser } from '../types.js';

const IdentitySchema = z.object({
  pid: z.number().int().positive(),
  startTime: z.number(),
  exe: z.string().nullable(),
});

export const KillParamsSchema = z.object({
  process: IdentitySchema,
  /** The tree as planned, for people; apply re-reads the live tree. */
  plannedTree: z.array(IdentitySchema),
});
export type KillParams = z.infer<typeof KillParamsSchema>;

export const KillUndoSchema = z.object({
  killed: z.array(IdentitySchema.extend({ args: z.array(z.string()) })),
});
export type KillUndo = z.infer<typeof KillUndoSchema>;

export function planKill(procDir: string, p: ProcessIdentity): KillParams {
  const ident = (x: ProcessIdentity): ExpectedIdentity => ({
    pid: x.pid,
    startTime: x.startTime,
    exe: x.exe,
  });
  return { process: ident(p), plannedTree: descendants(procDir, p.pid).map(ident) };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

function isDead(ctx: ActionContext, e: ExpectedIdentity): boolean {
  const now = readIdentity(ctx.procDir, e.pid);
  return !now || now.state === 'Z' || now.state === 'X' || identityMismatch(e, now) !== null;
}

/**
 * Suspend, re-check, kill. SIGSTOP first so the tree cannot fork or react while we look; a stopped process cannot
 * exit on its own, so once its identity is re-checked after the stop its pid cannot be recycled before the SIGKILL.
 */
async function apply(params: KillParams, ctx: ActionContext): Promise<KillUndo> {
  const rate = ctx.safety.checkRate('kill');
  if (rate) throw new RefusedError(rate);
  const expected = params.process;
  const first = readIdentity(ctx.procDir, expected.pid);
  const changed = identityMismatch(expected, first);
  if (changed) throw new RefusedError(`identity changed: ${changed}`);
  const unsafe = ctx.safety.checkProcess(first!);
  if (unsafe) throw new RefusedError(unsafe);

  const stopped: ProcessIdentity[] = [];
  const resume = (): void => {
    for (const p of stopped) signal(p.pid, 'SIGCONT');
  };
  signal(expected.pid, 'SIGSTOP');
  stopped.push(first!);
  const after = identityMismatch(expected, readIdentity(ctx.procDir, expected.pid));
  if (after) {
    resume();
    throw new RefusedError(`identity changed while suspending: ${after}`);
  }
  // Children forked before the stop are found here; repeat until a pass finds nothing new.
  const seen = new Set<number>([expected.pid]);
  for (let round = 0; round < 8; round++) {
    const fresh = descendants(ctx.procDir, expected.pid).filter((p) => !seen.has(p.pid));
    if (fresh.length === 0) break;
    for (const p of fresh) {
      const why = ctx.safety.checkProcess(p);
      if (why) {
        resume();
        throw new RefusedError(`tree contains a protected process: ${why}`);
      }
      signal(p.pid, 'SIGSTOP');
      seen.add(p.pid);
      stopped.push(p);
    }
  }
  const killed: KillUndo['killed'] = [];
  for (const p of stopped) {
    if (identityMismatch(p, readIdentity(ctx.procDir, p.pid))) continue;
    signal(p.pid, 'SIGKILL');
    killed.push({ pid: p.pid, startTime: p.startTime, exe: p.exe, args: p.args });
  }
  for (let i = 0; i < 100 && !killed.every((k) => isDead(ctx, k)); i++) await sleep(10);
  return { killed };
}

async function verify(_params: KillParams, undo: KillUndo, ctx: ActionContext) {
  const alive = undo.killed.filter((k) => !isDead(ctx, k));
  return alive.length === 0
    ? { ok: true, detail: `${undo.killed.length} process(es) gone` }
    : { ok: false, detail: `still running: ${alive.map((a) => a.pid).join(', ')}` };
}

export const killAction: Action<KillParams, KillUndo> = {
  kind: 'kill',
  parseParams: zodParser(KillParamsSchema),
  parseUndo: zodParser(KillUndoSchema),
  apply,
  verify,
  async undo(_params, undo) {
    throw new Error(
      `a killed process cannot be brought back; the journal keeps the command line of ` +
        `${undo.killed.map((k) => k.pid).join(', ')} and its binary stays in quarantine until restored`,
    );
  },
};
