import type { Store } from '../store/store.js';
import type { IngestBatch, IngestResult } from '../store/types.js';

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

/** An agent reports for the host it enrolled as, and nothing else; a stolen credential cannot write other hosts. */
export function checkOwnership(batch: IngestBatch, hostId: string): void {
  if (batch.host.id !== hostId)
    throw new IngestRejected(403, `agent is enrolled for host ${hostId}, not ${batch.host.id}`);
  const f = batch.findings.findIndex((x) => x.host.id !== hostId);
  if (f >= 0) throw new IngestRejected(403, `findings[${f}].host.id is not the agent's host`);
  const i = batch.incidents.findIndex((x) => x.host.id !== hostId);
  if (i >= 0) throw new IngestRejected(403, `incidents[${i}].host.id is not the agent's host`);
}

/** The one ingest path, shared by HTTP and the bus consumer: check, commit, then tell listeners. */
export class IngestService {
  private readonly listeners: IngestListener[] = [];

  constructor(private readonly store: Store) {}

  onIngested(l: IngestListener): void {
    this.listeners.push(l);
  }

  async accept(
    batch: IngestBatch,
    agent: { agentId: string; hostId: string } | null,
    via: IngestVia = 'http',
  ): Promise<IngestResult> {
    if (agent) checkOwnership(batch, agent.hostId);
    const result = await this.store.fleet.ingest(batch, agent?.agentId ?? null, new Date());
    for (const l of this.listeners) {
      try {
        l(batch, result, agent?.agentId ?? null, via);
      } catch {
        // A listener's failure (a sink, a metric) must never undo or fail an ingest that committed.
      }
    }
    return result;
  }
}
