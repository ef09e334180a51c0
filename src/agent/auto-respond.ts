import { join } from 'node:path';
import type { Finding } from '../model/finding.js';
import type { Host } from '../model/host.js';
import { atLeast } from '../model/severity.js';
import { loadPolicy, type Policy, ruleIdMatches } from '../respond/policy.js';
import type { IngestBatch } from '../store/types.js';
import { trimToLimits } from './auto-respond-limits.js';
import { type AutoMode, HandledMemory } from './auto-respond-memory.js';
import { AUTO_RESPONSE_RULE, type RunReport, runFinding } from './auto-respond-report.js';
import { findingBatches, runId } from './batch.js';
import type { AgentConfig } from './config.js';
import { FLEET_BAN_RULE } from './fleet-bans.js';

export interface PolicyInForce {
  policy: Policy;
  source: RunReport['policySource'];
}

export interface AutoResponderOptions {
  mode: AutoMode;
  policy: () => PolicyInForce;
  /** The journal (store), quarantine, backups and the memory of handled findings live here. */
  stateDir: string;
  /** Host root for persistence files. */
  root: string;
  procDir: string;
  /** Queues what the run did (one `response.auto` finding) for shipping. */
  enqueue: (b: IngestBatch) => void;
  /** Narrows automatic response to some findings (embedders, tests); everything the policy matches otherwise. */
  accept?: (f: Finding) => boolean;
  /** Findings waiting for a decision; past this, new ones are dropped and counted (they come again next scan). */
  maxPending?: number;
  /** Decisions remembered (and persisted) so a finding is not decided twice. */
  memorySize?: number;
  log?: (msg: string, f?: Record<string, unknown>) => void;
  now?: () => number;
}

/** A failed step is tried again after this long (the next scan that still sees the finding). */
const FAILED_RETRY_MS = 10 * 60_000;

/**
 * The decide -> respond step on the agent: findings the agent queues are offered here, those the policy matches wait
 * in a bounded queue, and a run (on the event loop's next turn, one at a time) plans them with src/respond's planner,
 * runs the plan through its safety layer and journal, and ships one `response.auto` finding saying what it did.
 * `simulate` journals every step as simulated and touches nothing; `enforce` applies the steps of rules in enforce
 * mode, never those that need confirmation (SSH keys).
 */
export class AutoResponder {
  runs = 0;
  applied = 0;
  simulated = 0;
  refused = 0;
  failed = 0;
  skipped = 0;
  dropped = 0;
  private readonly pending = new Map<string, Finding>();
  private readonly memory: HandledMemory;
  private host: Host | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly batchRun = runId();
  private seq = 0;
  private readonly now: () => number;

  constructor(private readonly o: AutoResponderOptions) {
    this.memory = new HandledMemory(join(o.stateDir, 'auto-respond.json'), o.memorySize ?? 10_000, o.log);
    this.now = o.now ?? Date.now;
  }

  get mode(): AutoMode {
    return this.o.mode;
  }

  get queued(): number {
    return this.pending.size;
  }

  /** The policy the next run uses, and where it came from. */
  policyInForce(): PolicyInForce {
    return this.o.policy();
  }

  /** Called with every batch the agent queues; cheap (a policy match per finding), never waits. */
  offer(host: Host, findings: readonly Finding[]): void {
    if (this.stopped || findings.length === 0) return;
    const { policy } = this.o.policy();
    const now = this.now();
    const max = this.o.maxPending ?? 2000;
    let added = false;
    for (const f of findings) {
      if (f.host.id !== host.id || this.pending.has(f.id) || !this.matches(policy, f)) continue;
      if (!this.memory.wants(f.id, this.o.mode, now)) continue;
      if (this.pending.size >= max) {
        this.dropped++;
        continue;
      }
      this.pending.set(f.id, f);
      added = true;
    }
    this.host = host;
    if (added) this.kick();
  }

  /** Resolves when every finding offered so far has been decided (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
    this.memory.save();
  }

  private matches(policy: Policy, f: Finding): boolean {
    // Our own reports, and fleet bans (the ban poller applies those), are not ours to decide about.
    if (f.ruleId === AUTO_RESPONSE_RULE || f.ruleId === FLEET_BAN_RULE) return false;
    const e = f.entity;
    if (!(e.kind === 'process' && e.pid !== undefined) && !(e.kind === 'source-ip' && e.ip)) return false;
    if (this.o.accept && !this.o.accept(f)) return false;
    return policy.rules.some(
      (r) =>
        r.match.rules.some((p) => ruleIdMatches(p, f.ruleId)) &&
        atLeast(f.severity, r.match.minSeverity) &&
        f.confidence >= r.match.minConfidence,
    );
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    // setImmediate: the rest of a scan's batches are queued first, so one run sees a process's findings together.
    this.running = new Promise<void>((r) => setImmediate(r))
      .then(() => this.drain())
      .catch((err: unknown) => this.o.log?.('auto-respond failed', { error: (err as Error).message }))
      .finally(() => {
        this.running = null;
        if (this.pending.size > 0) this.kick();
      });
  }

  private async drain(): Promise<void> {
    const host = this.host;
    const batch = [...this.pending.values()];
    this.pending.clear();
    if (!host || batch.length === 0) return;
    try {
      await this.respond(host, batch);
    } catch (err) {
      // The store or /proc failed us: decide these again later rather than never.
      const at = this.now();
      for (const f of batch)
        this.memory.remember(f.id, { at, mode: this.o.mode, retryAt: at + FAILED_RETRY_MS });
      this.o.log?.('auto-respond run failed', { error: (err as Error).message, findings: batch.length });
    } finally {
      this.memory.save();
    }
  }

  private async respond(host: Host, batch: readonly Finding[]): Promise<void> {
    const { policy, source } = this.o.policy();
    const simulate = this.o.mode === 'simulate';
    // Loaded at the first finding a policy rule matches: an agent on a clean host never holds the planner in memory.
    const [{ buildPlan }, { runPlan }, { openSession }, { loadBuiltinPoolIntel }, pools] = await Promise.all([
      import('../respond/planner.js'),
      import('../respond/runner.js'),
      import('../respond/session.js'),
      import('../intel/pools/index.js'),
      import('../respond/resolve-pools.js'),
    ]);
    const session = await openSession({
      stateDir: this.o.stateDir,
      root: this.o.root,
      procDir: this.o.procDir,
      policy,
    });
    try {
      for (const [incidentId, findings] of byIncident(batch)) {
        const bans = await session.journal.list({ kind: 'ban' });
        const planned = buildPlan({
          findings,
          ...(incidentId ? { incidentId } : {}),
          policy,
          procDir: this.o.procDir,
          root: this.o.root,
          safety: session.ctx.safety,
          priorBans: (addr) =>
            bans.filter((b) => (b.params as { addr?: string }).addr === addr && b.appliedAt).length,
          ...(simulate ? { simulateRules: policy.rules.map((r) => r.id) } : {}),
          poolIntel: loadBuiltinPoolIntel(),
        });
        // Pool names become block steps of their addresses, as in `respond` (the policy's `resolve:` settings).
        const plan = await pools.resolvePlanDomains(planned, pools.resolveSettings(policy), {
          safety: session.ctx.safety,
        });
        const at = this.now();
        if (!simulate) await trimToLimits(plan, policy, session.journal, at);
        const handled = (retryAt?: number) => ({ at, mode: this.o.mode, ...(retryAt ? { retryAt } : {}) });
        if (plan.actions.length === 0 && plan.refused.length === 0) {
          for (const f of findings) this.memory.remember(f.id, handled());
          continue;
        }
        const result = await runPlan(plan, session.journal, session.ctx, {
          apply: !simulate,
          confirm: false,
        });
        const retry = new Map<string, number>();
        for (const e of result.entries) {
          this.tally(e.status);
          const window = policy.limits[e.kind]?.window ?? 60;
          const again =
            e.status === 'refused' && e.detail?.startsWith('rate limit')
              ? at + window * 1000
              : e.status === 'failed'
                ? at + FAILED_RETRY_MS
                : undefined;
          if (again) for (const id of e.findingIds) retry.set(id, Math.max(retry.get(id) ?? 0, again));
        }
        for (const f of findings) this.memory.remember(f.id, handled(retry.get(f.id)));
        this.runs++;
        const report = runFinding({
          host,
          mode: this.o.mode,
          policySource: source,
          runId: result.runId,
          ...(incidentId ? { incidentId } : {}),
          findings,
          entries: result.entries,
          notes: plan.notes,
          time: at,
        });
        for (const b of findingBatches(host, [report], () => `${this.batchRun}:auto:${++this.seq}`))
          this.o.enqueue(b);
        this.o.log?.('auto-respond run', {
          runId: result.runId,
          mode: this.o.mode,
          actions: result.entries.map((e) => `${e.kind} ${e.target}: ${e.status}`),
        });
      }
    } finally {
      await session.close();
    }
  }

  private tally(status: string): void {
    if (status === 'applied') this.applied++;
    else if (status === 'simulated' || status === 'planned') this.simulated++;
    else if (status === 'refused') this.refused++;
    else if (status === 'failed') this.failed++;
    else if (status === 'skipped') this.skipped++;
  }
}

/** One run per incident, so the journal entries carry it and `undo --incident` takes them back together. */
function byIncident(findings: readonly Finding[]): Map<string | undefined, Finding[]> {
  const out = new Map<string | undefined, Finding[]>();
  for (const f of findings) {
    const list = out.get(f.incidentId);
    if (list) list.push(f);
    else out.set(f.incidentId, [f]);
  }
  return out;
}

export interface AutoResponderWiring {
  /** The server's pushed policy, when there is one. */
  pushed: () => Policy | null;
  enqueue: (b: IngestBatch) => void;
  procDir: string;
  accept?: (f: Finding) => boolean;
  log?: (msg: string, f?: Record<string, unknown>) => void;
}

/**
 * The agent's responder from its config, or null when `autoRespond.mode` is off. The policy in force is the
 * `autoRespond.policy` file when one is given (read and checked here, so a bad file stops the start: a host's own
 * file wins, as it does for fleet bans and remote response), else the server's pushed one, else the built-in one.
 */
export function autoResponderFor(
  config: Readonly<AgentConfig>,
  w: AutoResponderWiring,
): AutoResponder | null {
  const a = config.autoRespond;
  if (a.mode === 'off') return null;
  const file = a.policy ? loadPolicy(a.policy) : null;
  const builtin = file ? null : loadPolicy();
  return new AutoResponder({
    mode: a.mode,
    policy: () => {
      if (file) return { policy: file, source: 'file' };
      const pushed = w.pushed();
      return pushed ? { policy: pushed, source: 'pushed' } : { policy: builtin!, source: 'built-in' };
    },
    stateDir: config.stateDir,
    root: config.scan.root,
    procDir: w.procDir,
    enqueue: w.enqueue,
    ...(w.accept ? { accept: w.accept } : {}),
    maxPending: a.maxPending,
    memorySize: a.memorySize,
    ...(w.log ? { log: w.log } : {}),
  });
}
