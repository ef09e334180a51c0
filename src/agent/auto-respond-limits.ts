import type { Journal } from '../respond/journal/journal.js';
import type { Plan } from '../respond/planner.js';
import type { Policy } from '../respond/policy.js';
import type { PlannedAction } from '../respond/types.js';

function pidOf(a: PlannedAction): number | undefined {
  const p = a.params as { process?: { pid?: unknown } } | null;
  return typeof p?.process?.pid === 'number' ? p.process.pid : undefined;
}

/**
 * Takes the steps over the policy's rate limits out of an automatic plan before it runs, as refusals. The kill
 * checks its own limit when it runs, but by then the plan's quarantine has already moved the binary; unattended, a
 * process we will not kill keeps its binary, and the pair is decided again once the window has passed.
 * Counts applied actions from the journal, so earlier runs and other commands on this host count too.
 */
export async function trimToLimits(plan: Plan, policy: Policy, journal: Journal, now: number): Promise<void> {
  const limits = Object.entries(policy.limits);
  if (limits.length === 0) return;
  const widest = Math.max(...limits.map(([, l]) => l.window));
  const applied = await journal.appliedSince(now - widest * 1000);
  const left = new Map<string, number>();
  const reasons = new Map<string, string>();
  for (const [kind, l] of limits) {
    const used = applied.filter((a) => a.kind === kind && a.at >= now - l.window * 1000).length;
    left.set(kind, l.max - used);
    reasons.set(kind, `rate limit: ${used} ${kind} action(s) in the last ${l.window} s (limit ${l.max})`);
  }
  const out = new Set<PlannedAction>();
  const why = new Map<PlannedAction, string>();
  const unkilled = new Set<number>();
  const take = (a: PlannedAction): void => {
    const n = left.get(a.kind);
    if (a.simulate || n === undefined) return;
    if (n > 0) left.set(a.kind, n - 1);
    else {
      out.add(a);
      why.set(a, reasons.get(a.kind)!);
    }
  };
  // Kills first: a quarantine only makes sense with its kill.
  for (const a of plan.actions) if (a.kind === 'kill') take(a);
  for (const a of out) {
    const pid = pidOf(a);
    if (pid !== undefined) unkilled.add(pid);
  }
  for (const a of plan.actions) {
    if (a.kind === 'kill') continue;
    const pid = a.kind === 'quarantine' ? pidOf(a) : undefined;
    if (pid !== undefined && unkilled.has(pid) && !a.simulate) {
      out.add(a);
      why.set(a, `rate limit: the kill of pid ${pid} is over its limit; its binary stays in place`);
    } else take(a);
  }
  if (out.size === 0) return;
  plan.actions = plan.actions.filter((a) => !out.has(a));
  for (const a of out)
    plan.refused.push({ kind: a.kind, target: a.target, reason: why.get(a)!, findingIds: a.findingIds });
}
