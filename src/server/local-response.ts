import { loadBuiltinPoolIntel } from '../intel/pools/index.js';
import type { Finding } from '../model/finding.js';
import type { Incident } from '../model/incident.js';
import { rootOnlyDir } from '../respond/fsutil.js';
import { Journal, type JournalEntry } from '../respond/journal/journal.js';
import { buildPlan } from '../respond/planner.js';
import { loadPolicy, type Policy } from '../respond/policy.js';
import { resolvePlanDomains, resolveSettings } from '../respond/resolve-pools.js';
import { runPlan, type UndoOutcome, undoEntries } from '../respond/runner.js';
import { SafetyGuard } from '../respond/safety.js';
import { defaultStateDir, selectFindings } from '../respond/session.js';
import type { ActionContext } from '../respond/types.js';
import { readHostInfo } from '../sources/procfs/host-info.js';
import { readPasswd } from '../sources/procfs/passwd.js';
import type { Store } from '../store/store.js';

/**
 * Where the server's own responses act: on the host it runs on (`minewarden up`, or a server beside an agent);
 * other hosts' responses go to their agents (remote-response.ts). Read from the environment so `server`
 * and `up` need no new flags: MINEWARDEN_STATE_DIR (quarantine, backups; as for `respond`),
 * MINEWARDEN_RESPONSE_ROOT (host root for persistence files, default /), MINEWARDEN_RESPONSE_POLICY (policy YAML),
 * MINEWARDEN_RESPONSE_NETNS (firewall namespace), MINEWARDEN_RESPONSE_LOCAL=off (never act here).
 */
export interface LocalResponseOptions {
  stateDir: string;
  root: string;
  procDir: string;
  policyFile?: string;
  netns?: string;
  /**
   * False: this server never acts on its own host, whose incidents then go to its agent like any other host's
   * (MINEWARDEN_RESPONSE_LOCAL=off: a server running unprivileged, or in a container whose /proc is not the host's).
   */
  local?: boolean;
}

export function localResponseOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): LocalResponseOptions {
  return {
    stateDir: env.MINEWARDEN_STATE_DIR ?? defaultStateDir(),
    root: env.MINEWARDEN_RESPONSE_ROOT ?? '/',
    procDir: '/proc',
    ...(env.MINEWARDEN_RESPONSE_POLICY ? { policyFile: env.MINEWARDEN_RESPONSE_POLICY } : {}),
    ...(env.MINEWARDEN_RESPONSE_NETNS ? { netns: env.MINEWARDEN_RESPONSE_NETNS } : {}),
    ...(env.MINEWARDEN_RESPONSE_LOCAL === 'off' ? { local: false } : {}),
  };
}

export interface ResponseRun {
  runId: string;
  apply: boolean;
  entries: JournalEntry[];
  notes: string[];
}

export class LocalResponder {
  private cachedHostId: string | null | undefined;

  constructor(
    private readonly store: Store,
    private readonly opts: LocalResponseOptions,
  ) {}

  /** Null when this server cannot read its own host identity or local response is off (then it acts nowhere). */
  hostId(): string | null {
    if (this.cachedHostId === undefined) {
      try {
        this.cachedHostId = this.opts.local === false ? null : readHostInfo('', this.opts.procDir, true).id;
      } catch {
        this.cachedHostId = null;
      }
    }
    return this.cachedHostId;
  }

  private journal(): Journal {
    return new Journal(this.store.actions, this.hostId());
  }

  /** The safety layer and action context, rebuilt per request so rate limits count the latest journal. */
  private async context(policy: Policy): Promise<ActionContext> {
    const applied = await this.journal().appliedSince(Date.now() - 86_400_000);
    const safety = new SafetyGuard({
      procDir: this.opts.procDir,
      allowlist: policy.allow,
      users: readPasswd('/etc/passwd'),
      rateLimits: Object.fromEntries(
        Object.entries(policy.limits).map(([k, v]) => [k, { max: v.max, windowSec: v.window }]),
      ),
      countRecent: (kind, since) => applied.filter((a) => a.kind === kind && a.at >= since).length,
    });
    return {
      root: this.opts.root,
      procDir: this.opts.procDir,
      stateDir: rootOnlyDir(this.opts.stateDir),
      safety,
      ...(this.opts.netns ? { netns: this.opts.netns } : {}),
      now: Date.now,
    };
  }

  /**
   * Plans (and with `apply`, runs) the response to an incident from the stored findings. The planner re-reads
   * every process from /proc and refuses one whose identity changed, so stale findings cannot hit a new process.
   */
  async respond(
    incident: Incident,
    findings: readonly Finding[],
    run: { apply: boolean; confirm: boolean },
  ): Promise<ResponseRun> {
    const policy = loadPolicy(this.opts.policyFile);
    const ctx = await this.context(policy);
    const journal = this.journal();
    const selected = selectFindings(
      { findings: [...findings], incidents: [incident] },
      { incident: incident.id },
    );
    const bans = await journal.list({ kind: 'ban' });
    const planned = buildPlan({
      findings: selected,
      incidentId: incident.id,
      policy,
      procDir: ctx.procDir,
      root: ctx.root,
      safety: ctx.safety,
      priorBans: (addr) =>
        bans.filter((b) => (b.params as { addr?: string }).addr === addr && b.appliedAt).length,
      poolIntel: loadBuiltinPoolIntel(),
    });
    // Pool names become block steps of their addresses, as in `respond` (the policy's `resolve:` settings).
    const plan = await resolvePlanDomains(planned, resolveSettings(policy), { safety: ctx.safety });
    const result = await runPlan(plan, journal, ctx, run);
    return { runId: result.runId, apply: run.apply, entries: result.entries, notes: plan.notes };
  }

  async list(filter: { incidentId?: string; runId?: string }): Promise<JournalEntry[]> {
    return this.journal().list(filter);
  }

  async undoRun(runId: string): Promise<UndoOutcome[]> {
    const journal = this.journal();
    const entries = await journal.list({ runId });
    const ctx = await this.context(loadPolicy(this.opts.policyFile));
    return undoEntries(entries, journal, ctx);
  }
}
