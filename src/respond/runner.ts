import { randomBytes } from 'node:crypto';
import { ACTIONS } from './actions/index.js';
import type { ActionScope, Journal, JournalEntry } from './journal/journal.js';
import type { Plan } from './planner.js';
import { type ActionContext, type PlannedAction, RefusedError } from './types.js';

export interface RunOptions {
  /** Without it nothing is touched: the plan is journaled as planned (dry run, the default). */
  apply: boolean;
  /** Also run actions that need confirmation (removing SSH keys). */
  confirm: boolean;
}

export interface RunResult {
  runId: string;
  entries: JournalEntry[];
}

function scopeOf(ctx: ActionContext): ActionScope {
  return {
    root: ctx.root,
    stateDir: ctx.stateDir,
    ...(ctx.netns ? { netns: ctx.netns } : {}),
    ...(ctx.firewallBackend ? { firewallBackend: ctx.firewallBackend } : {}),
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Journals every step before it runs, runs it, verifies it, and journals the outcome with its undo data. One failed
 * or refused step does not stop the others: a blocked pool is still worth having when a kill was refused.
 */
export async function runPlan(
  plan: Plan,
  journal: Journal,
  ctx: ActionContext,
  opts: RunOptions,
): Promise<RunResult> {
  const runId = `run-${randomBytes(4).toString('hex')}`;
  const scope = scopeOf(ctx);
  const entries: JournalEntry[] = [];
  let seq = 0;
  for (const r of plan.refused) {
    const p: PlannedAction = {
      ...r,
      summary: `${r.kind} ${r.target}`,
      reason: r.reason,
      simulate: false,
      needsConfirmation: false,
      reversible: false,
      params: null,
    };
    entries.push(await journal.record(p, { runId, seq: seq++, scope }, 'refused', r.reason));
  }
  for (const p of plan.actions) {
    let e = await journal.record(p, { runId, seq: seq++, scope }, p.simulate ? 'simulated' : 'planned');
    if (!opts.apply || p.simulate) {
      entries.push(e);
      continue;
    }
    if (p.needsConfirmation && !opts.confirm) {
      entries.push(
        await journal.update(e, 'skipped', { detail: 'needs confirmation: run again with --confirm' }),
      );
      continue;
    }
    const action = ACTIONS[p.kind];
    try {
      const params = action.parseParams(p.params);
      const undo = await action.apply(params, ctx);
      const appliedAt = new Date(ctx.now()).toISOString();
      e = await journal.update(e, 'applied', { undo, appliedAt });
      const verify = await action.verify(params, undo, ctx);
      e = await journal.update(e, 'applied', { verify, detail: verify.detail });
    } catch (err) {
      e = await journal.update(e, err instanceof RefusedError ? 'refused' : 'failed', {
        detail: message(err),
      });
    }
    entries.push(e);
  }
  return { runId, entries };
}

export interface UndoOutcome {
  entry: JournalEntry;
  ok: boolean;
  detail: string;
}

/** Undoes one applied action with the scope it ran in (root, namespace, state dir), not the caller's flags. */
export async function undoEntry(
  entry: JournalEntry,
  journal: Journal,
  base: Pick<ActionContext, 'procDir' | 'safety' | 'now'>,
): Promise<UndoOutcome> {
  if (entry.status !== 'applied' && entry.status !== 'undo-failed') {
    return { entry, ok: false, detail: `${entry.id} is ${entry.status}, not applied; nothing to undo` };
  }
  if (!entry.reversible) {
    return { entry, ok: false, detail: `${entry.id} (${entry.kind}) cannot be undone: ${entry.summary}` };
  }
  const ctx: ActionContext = {
    ...base,
    root: entry.scope.root,
    stateDir: entry.scope.stateDir,
    ...(entry.scope.netns ? { netns: entry.scope.netns } : {}),
    ...(entry.scope.firewallBackend ? { firewallBackend: entry.scope.firewallBackend } : {}),
  };
  const action = ACTIONS[entry.kind];
  try {
    await action.undo(action.parseParams(entry.params), action.parseUndo(entry.undo), ctx);
    const next = await journal.update(entry, 'undone', { detail: 'undone' });
    return { entry: next, ok: true, detail: `undid ${entry.kind} ${entry.target}` };
  } catch (err) {
    const next = await journal.update(entry, 'undo-failed', { detail: message(err) });
    return { entry: next, ok: false, detail: message(err) };
  }
}

/** Undoes a set of entries newest first, so later steps that built on earlier ones are unwound before them. */
export async function undoEntries(
  entries: readonly JournalEntry[],
  journal: Journal,
  base: Pick<ActionContext, 'procDir' | 'safety' | 'now'>,
): Promise<UndoOutcome[]> {
  const out: UndoOutcome[] = [];
  const applied = entries.filter((e) => e.status === 'applied' || e.status === 'undo-failed').reverse();
  for (const e of applied) out.push(await undoEntry(e, journal, base));
  return out;
}
