import type { Store } from '../store/store.js';
import type { IngestBatch, IngestResult } from '../store/types.js';
import { splitForeignFindings } from './cloud-hosts.js';

/** Something that wants to see each batch after it is committed (metrics, sinks, fleet correlation). */
export type IngestListener = (
  batch: IngestBatch,
  result: IngestResult,
  agentId: string | null,
  via: IngestVia,
) => void;

/** How a batch arrived: an agent over HTTP, the bus, or the server itself (fleet correlation). */
export type IngestVia = 'http' | 'bus' | 'local';

export class IngestRejected extends Error {
  constructor(
    readonly status: 400 | 403,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An agent reports for the host it enrolled as, and nothing else; a stolen credential cannot write other hosts. The
 * one exception is opt-in: an agent the server's `cloud.collectors` lists watches cloud logs, whose findings
 * (`cloud.*` rules) are about the instances the logs name; the batch itself is still its own host's.
 */
export function checkOwnership(batch: IngestBatch, hostId: string, cloudCollector = false): void {
  if (batch.host.id !== hostId)
    throw new IngestRejected(403, `agent is enrolled for host ${hostId}, not ${batch.host.id}`);
  const f = batch.findings.findIndex(
    (x) => x.host.id !== hostId && !(cloudCollector && x.ruleId.startsWith('cloud.')),
  );
  if (f >= 0) {
    const hint = batch.findings[f]?.ruleId.startsWith('cloud.')
      ? ` (an agent watching cloud logs needs its host id in the server's cloud.collectors)`
      : '';
    throw new IngestRejected(403, `findings[${f}].host.id is not the agent's host${hint}`);
  }
  const i = batch.incidents.findIndex((x) => x.host.id !== hostId);
  if (i >= 0) throw new IngestRejected(403, `incidents[${i}].host.id is not the agent's host`);
}

/** The one ingest path, shared by HTTP and the bus consumer: check, commit, then tell listeners. */
export class IngestService {
  private readonly listeners: IngestListener[] = [];

  private readonly collectors: ReadonlySet<string>;

  /** `cloudCollectors`: host ids of agents that may ship cloud-log findings about other hosts (checkOwnership). */
  constructor(
    private readonly store: Store,
    cloudCollectors: readonly string[] = [],
  ) {
    this.collectors = new Set(cloudCollectors);
  }

  onIngested(l: IngestListener): void {
    this.listeners.push(l);
  }

  async accept(
    batch: IngestBatch,
    agent: { agentId: string; hostId: string } | null,
    via: IngestVia = 'http',
  ): Promise<IngestResult> {
    const collector = agent !== null && this.collectors.has(agent.hostId);
    if (agent) checkOwnership(batch, agent.hostId, collector);
    if (!collector) return this.commit(batch, agent?.agentId ?? null, via);
    // A collector's findings about other hosts are stored under those hosts (not as the collector's), one batch
    // each after its own; a failure part way is resent whole by the agent and the ids keep the records single.
    const parts = await splitForeignFindings(batch, agent.hostId, this.store);
    const total: IngestResult = { findings: 0, incidents: 0, heartbeats: 0, inventory: 0 };
    for (const [i, part] of parts.entries()) {
      const r = await this.commit(part, i === 0 ? agent.agentId : null, via);
      total.findings += r.findings;
      total.incidents += r.incidents;
      total.heartbeats += r.heartbeats;
      total.inventory += r.inventory;
    }
    return total;
  }

  private async commit(batch: IngestBatch, agentId: string | null, via: IngestVia): Promise<IngestResult> {
    const result = await this.store.fleet.ingest(batch, agentId, new Date());
    for (const l of this.listeners) {
      try {
        l(batch, result, agentId, via);
      } catch {
        // A listener's failure (a sink, a metric) must never undo or fail an ingest that committed.
      }
    }
    return result;
  }
}
