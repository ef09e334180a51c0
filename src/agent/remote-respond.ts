import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PoolIntel } from '../intel/pools/index.js';
import type { Policy } from '../respond/policy.js';
import { httpRequest, jsonOf } from './http.js';
import type { AgentRequest, Report } from './remote-respond-wire.js';

export interface RemoteRespondOptions {
  server: string;
  credential: () => string;
  /** The agent's state dir: the local journal (`minewarden undo` reads it) and the record of requests taken. */
  stateDir: string;
  pollMs: number;
  /** Host root for persistence files; /proc is read from `procDir`. */
  root: string;
  procDir: string;
  /** The host this agent enrolled as: a request about another host's incident or findings is refused. */
  hostId?: string;
  /** A local policy file wins; else the server's pushed policy; else the built-in one (as `minewarden respond`). */
  policyFile?: string;
  pushedPolicy?: () => Policy | null;
  /** Pool intel pushed by the server (built-in list plus the pack), for pool domains the plan notes. */
  poolIntel?: () => PoolIntel | null;
  log?: (msg: string, f?: Record<string, unknown>) => void;
  /** Test seams for an agent that stops mid-request: after the record is written, and before the report. */
  hooks?: { afterStart?: (id: string) => Promise<void>; beforeReport?: (id: string) => Promise<void> };
}

/**
 * What this agent did with a request, kept before it acts: a request it finds again after a restart (taken,
 * unreported) is never run twice. `started` without `report` means the agent stopped while running it.
 */
interface Mark {
  id: string;
  op: AgentRequest['op'];
  startedAt: string;
  incidentId: string;
  report?: Report;
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 2000);
}

/**
 * Carries out the responses the server stores for this host (plan, apply, undo) with the same planner, safety
 * layer, identity re-check and journal as `minewarden respond`, and reports the journal entries back. Polls with
 * an ETag, so an idle fleet costs one small 304 per agent per poll.
 */
export class RemoteResponder {
  polls = 0;
  notModified = 0;
  failures = 0;
  /** Requests run to the end on this host (plan, apply or undo). */
  handled = 0;
  private etag: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly dir: string;

  constructor(private readonly o: RemoteRespondOptions) {
    this.dir = join(o.stateDir, 'remote-response');
  }

  start(): void {
    void this.pollOnce();
    this.timer = setInterval(() => void this.pollOnce(), this.o.pollMs);
    this.timer.unref();
  }

  pollOnce(): Promise<void> {
    this.running ??= this.poll()
      .catch((err: unknown) => {
        this.failures++;
        this.o.log?.('remote response failed', { error: message(err).slice(0, 300) });
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private auth(): Record<string, string> {
    return { authorization: `Bearer ${this.o.credential()}` };
  }

  private async poll(): Promise<void> {
    const res = await httpRequest(new URL('/api/agent/response-requests', this.o.server), {
      headers: { ...this.auth(), ...(this.etag ? { 'if-none-match': this.etag } : {}) },
      timeoutMs: 30_000,
      maxBytes: 64 * 1024 * 1024,
    });
    this.polls++;
    if (res.status === 304) {
      this.notModified++;
      return;
    }
    if (res.status !== 200) throw new Error(`response requests: HTTP ${res.status}`);
    const raw = jsonOf(res) as { requests?: unknown[] };
    const etag = typeof res.headers.etag === 'string' ? res.headers.etag : null;
    if (Array.isArray(raw.requests) && raw.requests.length === 0) {
      await this.reportLeftovers(new Set());
      this.etag = etag;
      return;
    }
    // The schemas (and the response engine) load only when there is something to do.
    const { AgentRequestSchema, RequestIdSchema } = await import('./remote-respond-wire.js');
    if (!Array.isArray(raw.requests)) throw new Error('response requests: no list in the answer');
    for (const item of raw.requests.slice(0, 100)) {
      const r = AgentRequestSchema.safeParse(item);
      if (r.success) {
        await this.handle(r.data);
        continue;
      }
      // One malformed request must not block the others, nor stay pending: it is taken and failed with the reason.
      const id = RequestIdSchema.safeParse((item as { id?: unknown } | null)?.id);
      const issue = r.error.issues[0];
      if (id.success)
        await this.refuse(
          id.data,
          `invalid request: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
        );
    }
    await this.reportLeftovers(
      new Set(raw.requests.map((r) => String((r as { id?: unknown } | null)?.id ?? ''))),
    );
    // Kept only once every request was handled: a failure polls the full list again next time.
    this.etag = etag;
  }

  /**
   * Records of requests the server no longer lists as open (they expired while this agent was down between acting
   * and reporting): what happened on the host is reported all the same, and the server keeps it with a note.
   */
  private async reportLeftovers(open: ReadonlySet<string>): Promise<void> {
    let files: string[];
    try {
      files = readdirSync(this.dir).filter((f) => /^rq-[0-9a-f]+\.json$/.test(f));
    } catch {
      return;
    }
    for (const f of files) {
      const id = f.slice(0, -'.json'.length);
      if (open.has(id)) continue;
      const mark = this.readMark(id);
      if (!mark) continue;
      const report = mark.report ?? (await this.interrupted(mark));
      await this.report(id, report);
      rmSync(this.markFile(id), { force: true });
      this.o.log?.('remote response reported late', { request: id, status: report.status });
    }
  }

  private markFile(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  private readMark(id: string): Mark | null {
    try {
      return JSON.parse(readFileSync(this.markFile(id), 'utf8')) as Mark;
    } catch {
      return null;
    }
  }

  private writeMark(m: Mark): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = this.markFile(m.id);
    writeFileSync(`${file}.tmp`, JSON.stringify(m), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }

  private async handle(r: AgentRequest): Promise<void> {
    let mark = this.readMark(r.id);
    if (!mark) {
      const took = await httpRequest(new URL(`/api/agent/response-requests/${r.id}/take`, this.o.server), {
        method: 'POST',
        headers: this.auth(),
        timeoutMs: 30_000,
      });
      if (took.status === 409) {
        this.o.log?.('remote response request gone', { request: r.id, detail: took.text.slice(0, 300) });
        return;
      }
      if (took.status !== 200) throw new Error(`take ${r.id}: HTTP ${took.status}`);
      // Written before anything is touched: from here on a restart reports instead of acting again.
      mark = { id: r.id, op: r.op, startedAt: new Date().toISOString(), incidentId: r.incidentId };
      this.writeMark(mark);
      await this.o.hooks?.afterStart?.(r.id);
      const report = await this.run(r);
      mark = { ...mark, report };
      this.writeMark(mark);
      this.handled++;
      this.o.log?.('remote response', { request: r.id, op: r.op, status: report.status });
    } else if (!mark.report) {
      mark = { ...mark, report: await this.interrupted(mark) };
      this.writeMark(mark);
    }
    await this.o.hooks?.beforeReport?.(r.id);
    await this.report(r.id, mark.report as Report);
    rmSync(this.markFile(r.id), { force: true });
  }

  private async refuse(id: string, why: string): Promise<void> {
    const took = await httpRequest(new URL(`/api/agent/response-requests/${id}/take`, this.o.server), {
      method: 'POST',
      headers: this.auth(),
      timeoutMs: 30_000,
    });
    if (took.status !== 200) return;
    this.o.log?.('remote response request refused', { request: id, why: why.slice(0, 300) });
    await this.report(id, {
      status: 'failed',
      message: why,
      runId: null,
      apply: false,
      notes: [],
      entries: [],
    });
  }

  private async report(id: string, report: Report): Promise<void> {
    const res = await httpRequest(new URL(`/api/agent/response-requests/${id}/report`, this.o.server), {
      method: 'POST',
      headers: { ...this.auth(), 'content-type': 'application/json' },
      body: JSON.stringify(report),
      timeoutMs: 60_000,
    });
    // 404: the request is gone from the server (retention); 409: the server will not take a report for it. Either
    // way the host's journal still has the entries, and reporting again would not change the answer.
    if (res.status === 404 || res.status === 409)
      this.o.log?.('remote response report refused', { request: id, detail: res.text.slice(0, 300) });
    else if (res.status !== 200)
      throw new Error(`report ${id}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
  }

  /** The agent stopped while running this request: report what the journal has since, and never run it again. */
  private async interrupted(mark: Mark): Promise<Report> {
    const { openSession } = await import('../respond/session.js');
    const { loadPolicy } = await import('../respond/policy.js');
    const session = await openSession({
      stateDir: this.o.stateDir,
      root: this.o.root,
      procDir: this.o.procDir,
      policy: loadPolicy(),
    });
    try {
      const since = Date.parse(mark.startedAt);
      const entries = (await session.journal.list({ incidentId: mark.incidentId })).filter(
        (e) => Date.parse(e.createdAt) >= since,
      );
      return {
        status: 'failed',
        message:
          'the agent stopped while running this request and did not run it again; the entries it journaled are listed (minewarden respond --list on the host)',
        runId: entries[0]?.runId ?? null,
        apply: mark.op === 'apply',
        notes: [],
        entries,
      };
    } finally {
      await session.close();
    }
  }

  private policy(loadPolicy: (path?: string) => Policy): Policy {
    if (this.o.policyFile) return loadPolicy(this.o.policyFile);
    return this.o.pushedPolicy?.() ?? loadPolicy();
  }

  /** Runs one request; anything that stops it from running at all is a failed report, never a throw. */
  private async run(r: AgentRequest): Promise<Report> {
    const base = { runId: null, apply: r.op === 'apply', notes: [], entries: [] };
    try {
      const [
        { buildPlan },
        { runPlan, undoEntries },
        { openSession, selectFindings },
        policyMod,
        pools,
        names,
      ] = await Promise.all([
        import('../respond/planner.js'),
        import('../respond/runner.js'),
        import('../respond/session.js'),
        import('../respond/policy.js'),
        import('../intel/pools/index.js'),
        import('../respond/resolve-pools.js'),
      ]);
      const policy = this.policy(policyMod.loadPolicy);
      const session = await openSession({
        stateDir: this.o.stateDir,
        root: this.o.root,
        procDir: this.o.procDir,
        policy,
      });
      try {
        if (r.op === 'undo') {
          if (!r.runId) return { ...base, status: 'failed', message: 'undo request names no run' };
          const entries = await session.journal.list({ runId: r.runId });
          if (entries.length === 0)
            return { ...base, status: 'failed', message: `no run ${r.runId} in this host's journal` };
          const outcomes = await undoEntries(entries, session.journal, session.ctx);
          return {
            status: 'done',
            runId: r.runId,
            apply: true,
            notes: [],
            entries: await session.journal.list({ runId: r.runId }),
            outcomes: outcomes.map((o) => ({
              id: o.entry.id,
              kind: o.entry.kind,
              ok: o.ok,
              reversible: o.entry.reversible,
              detail: o.detail.slice(0, 4000),
            })),
          };
        }
        if (!r.incident) return { ...base, status: 'failed', message: 'request carries no incident' };
        const host = this.o.hostId;
        if (host && (r.incident.host.id !== host || r.findings.some((f) => f.host.id !== host)))
          return {
            ...base,
            status: 'failed',
            message: `request is about another host than this one (${host})`,
          };
        const findings = selectFindings(
          { findings: r.findings, incidents: [r.incident] },
          { incident: r.incidentId },
        );
        const bans = await session.journal.list({ kind: 'ban' });
        const planned = buildPlan({
          findings,
          incidentId: r.incidentId,
          policy,
          procDir: session.ctx.procDir,
          root: session.ctx.root,
          safety: session.ctx.safety,
          priorBans: (addr) =>
            bans.filter((b) => (b.params as { addr?: string }).addr === addr && b.appliedAt).length,
          poolIntel: this.o.poolIntel?.() ?? pools.loadBuiltinPoolIntel(),
        });
        // Pool names become block steps of their addresses, as in `respond` (the policy's `resolve:` settings).
        const plan = await names.resolvePlanDomains(planned, names.resolveSettings(policy), {
          safety: session.ctx.safety,
        });
        const result = await runPlan(plan, session.journal, session.ctx, {
          apply: r.op === 'apply',
          confirm: r.confirm,
        });
        return {
          status: 'done',
          runId: result.runId,
          apply: r.op === 'apply',
          notes: plan.notes.map((n) => n.slice(0, 2000)),
          entries: result.entries,
        };
      } finally {
        await session.close();
      }
    } catch (err) {
      return { ...base, status: 'failed', message: message(err) };
    }
  }
}
