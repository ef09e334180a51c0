import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { MinewardenError } from '../model/errors.js';
import type { Finding } from '../model/finding.js';
import type { Host } from '../model/host.js';
import type { IngestBatch } from '../store/types.js';
import type { Agent, AgentOptions } from './agent.js';
import { findingBatches, runId } from './batch.js';
import type { AgentConfig } from './config.js';

/** The listener set of the last pass, in stateDir: an agent restart compares against it, not a new baseline. */
export const PORT_STATE_FILE = 'posture-ports.json';

export interface PostureLoopOptions {
  /** Host root the checks read ('/' for the live host; probes run only there). */
  root: string;
  stateDir: string;
  settings: Readonly<AgentConfig['posture']>;
  /** The agent's host: findings are about its enrolled identity. */
  host: () => Host;
  enqueue: (b: IngestBatch) => void;
  log?: AgentOptions['log'];
}

export interface PosturePassResult {
  findings: number;
  /** posture.host.port-changed findings (ports opened, widened or closed since the last pass). */
  portChanges: number;
  batches: number;
  warnings: number;
}

const PORT_CHANGED = 'posture.host.port-changed';
const BAD_STATE = new Set(['MW_INPUT_PARSE', 'MW_INPUT_SCHEMA']);

/**
 * Host posture on a schedule: one pass shortly after start, then every `intervalMs`. A pass is `posture --host`
 * under the agent's root with the listener state in stateDir; its findings go to the agent's queue in batches like
 * a scan's. The posture code is imported by the first pass, so an agent with the loop off never loads it.
 */
export class PostureLoop {
  passes = 0;
  lastError: string | null = null;
  last: PosturePassResult | null = null;
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly run = runId();
  private seq = 0;

  constructor(private readonly o: PostureLoopOptions) {}

  /** One pass now: check, diff the listeners against the last pass, queue the findings. */
  async passOnce(now = new Date()): Promise<PosturePassResult> {
    const { runPosture } = await import('../posture/posture.js');
    const s = this.o.settings;
    const state = join(this.o.stateDir, PORT_STATE_FILE);
    const run = () =>
      runPosture({
        root: this.o.root,
        host: true,
        probe: s.probe,
        state,
        noVulns: !s.vulns,
        ...(s.vulndb ? { vulndb: s.vulndb } : {}),
        now,
      });
    let r: Awaited<ReturnType<typeof runPosture>>;
    try {
      r = await run();
    } catch (err) {
      // A state file that no longer parses would fail every pass and nobody is there to delete it: it is kept
      // aside for a look and this pass starts a new baseline.
      if (!(err instanceof MinewardenError) || err.location?.file !== state || !BAD_STATE.has(err.code))
        throw err;
      renameSync(state, `${state}.bad`);
      this.o.log?.('posture port state unreadable, new baseline', {
        error: err.message,
        keptAs: `${state}.bad`,
      });
      r = await run();
    }
    const host = this.o.host();
    const ref = { id: host.id, name: host.name };
    // Both read the host id from the same root, so they agree; the server refuses a finding about another host,
    // so the agent's identity is the one that ships if they ever did not.
    const findings: Finding[] = r.findings.map((f) => (f.host.id === ref.id ? f : { ...f, host: ref }));
    const batches = findingBatches(host, findings, () => `${this.run}:posture:${++this.seq}`);
    for (const b of batches) this.o.enqueue(b);
    this.passes++;
    const result: PosturePassResult = {
      findings: findings.length,
      portChanges: findings.filter((f) => f.ruleId === PORT_CHANGED).length,
      batches: batches.length,
      warnings: r.warnings.items.length,
    };
    this.last = result;
    this.o.log?.('posture pass', {
      ...result,
      ...(r.warnings.items.length
        ? { warningCodes: [...new Set(r.warnings.items.map((w) => w.code))].slice(0, 8) }
        : {}),
    });
    return result;
  }

  private guarded(): void {
    if (this.running || this.stopped) return;
    this.running = this.passOnce()
      .then(() => {
        this.lastError = null;
      })
      .catch((err: unknown) => {
        this.lastError = (err as Error).message;
        this.o.log?.('posture pass failed', { error: this.lastError });
      })
      .finally(() => {
        this.running = null;
      });
  }

  start(): void {
    const s = this.o.settings;
    const first = setTimeout(() => {
      this.guarded();
      const every = setInterval(() => this.guarded(), s.intervalMs);
      every.unref();
      this.timers.push(every);
    }, s.firstDelayMs);
    first.unref();
    this.timers.push(first);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    // A pass in flight finishes its enqueue before the agent closes the queue.
    await this.running;
  }

  status(): Record<string, unknown> {
    return {
      intervalMs: this.o.settings.intervalMs,
      passes: this.passes,
      ...(this.last ? { last: this.last } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }
}

/** The posture loop the config asks for, attached to the agent (stops with it); null when intervalMs is 0. */
export function attachPostureLoop(
  agent: Agent,
  config: Readonly<AgentConfig>,
  host: Host,
  log?: AgentOptions['log'],
): PostureLoop | null {
  if (config.posture.intervalMs === 0) return null;
  const loop = new PostureLoop({
    root: config.scan.root,
    stateDir: config.stateDir,
    settings: config.posture,
    host: () => agent.currentHost() ?? host,
    enqueue: (b) => agent.enqueue(b),
    ...(log ? { log } : {}),
  });
  agent.attach(loop);
  return loop;
}
