import { loadPolicy, type Policy } from '../respond/policy.js';
import { type BanApplier, type BanOutcome, recordOnly } from './fleet-bans.js';

export interface PolicyApplierOptions {
  /** A local policy file; without one, `policy` (the server's pushed policy) decides while there is one. */
  policyFile?: string;
  policy?: () => Policy | null;
  stateDir: string;
  root: string;
  procDir?: string;
}

/**
 * Runs pushed bans through src/respond: the policy decides (a rule matching `fleet.ban-list` with the `ban` action),
 * the safety layer may refuse (own addresses, allowlists, rate limits), and every step lands in the journal.
 * Without a matching rule the plan is empty and the ban is only recorded.
 */
export function policyApplier(o: PolicyApplierOptions): BanApplier {
  const fixed = o.policyFile ? loadPolicy(o.policyFile) : null;
  return async (findings) => {
    const policy = fixed ?? o.policy?.() ?? null;
    if (!policy) return recordOnly(findings);
    // Loaded with the first ban a policy may apply: planning, running and journalling a response take ~30 modules
    // (the store's among them) that an agent without bans never needs in memory.
    const [{ buildPlan }, { runPlan }, { openSession }] = await Promise.all([
      import('../respond/planner.js'),
      import('../respond/runner.js'),
      import('../respond/session.js'),
    ]);
    const session = await openSession({
      stateDir: o.stateDir,
      root: o.root,
      ...(o.procDir ? { procDir: o.procDir } : {}),
      policy,
    });
    try {
      const bans = await session.journal.list({ kind: 'ban' });
      const plan = buildPlan({
        findings,
        policy,
        procDir: session.ctx.procDir,
        root: o.root,
        safety: session.ctx.safety,
        priorBans: (addr) =>
          bans.filter((b) => (b.params as { addr?: string }).addr === addr && b.appliedAt).length,
      });
      const result = await runPlan(plan, session.journal, session.ctx, { apply: true, confirm: false });
      return findings.map((f): BanOutcome => {
        const ip = f.entity.ip ?? '';
        const expiresAt = String(f.evidence.expiresAt);
        const e = result.entries.find((x) => x.kind === 'ban' && x.target === ip);
        if (!e) return { ip, expiresAt, outcome: 'recorded', detail: 'no policy rule allows banning it' };
        const outcome =
          e.status === 'applied'
            ? 'applied'
            : e.status === 'simulated'
              ? 'simulated'
              : e.status === 'refused'
                ? 'refused'
                : 'failed';
        return { ip, expiresAt, outcome, detail: `${e.status}${e.detail ? `: ${e.detail}` : ''}` };
      });
    } finally {
      await session.close();
    }
  };
}
