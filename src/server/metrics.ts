import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Sinks } from '../sinks/index.js';
import type { IngestBatch, IngestResult } from '../store/types.js';
import type { BusStats } from './bus-consumer.js';
import type { IngestVia } from './ingest.js';

export interface MetricSources {
  sinks?: () => ReturnType<Sinks['stats']>;
  bus?: () => BusStats | null;
  fleet?: () => { incidents: number; bans: number; darkHosts: number };
}

/** Adds what changed since the last scrape to a counter whose truth lives elsewhere (a stats object). */
function deltaCounter(
  c: Counter<string>,
  last: Map<string, number>,
  key: string,
  labels: Record<string, string>,
  v: number,
) {
  const prev = last.get(key) ?? 0;
  // inc(0) on first sight makes the series exist at zero, so alerts on `rate(..._dropped_total)` see it.
  c.inc(labels, v > prev ? v - prev : 0);
  last.set(key, v);
}

/**
 * The server's Prometheus registry (its own, not the global one, so tests and replicas in one process do not mix):
 * ingest counts, the fleet's agent queues as their heartbeats last reported them, sink queues and drops, the bus,
 * fleet correlation, and the process's own CPU and memory.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly batches: Counter<'via'>;
  private readonly records: Counter<'kind'>;
  private readonly requests: Counter<'status'>;
  private readonly agentQueues = new Map<string, { depth: number; dropped: number }>();
  private readonly last = new Map<string, number>();

  constructor(sources: MetricSources = {}) {
    const r = this.registry;
    collectDefaultMetrics({ register: r, prefix: 'minewarden_server_' });
    this.batches = new Counter({
      name: 'minewarden_ingest_batches_total',
      help: 'Batches committed',
      labelNames: ['via'],
      registers: [r],
    });
    this.records = new Counter({
      name: 'minewarden_ingest_records_total',
      help: 'Records committed, by kind (findings, incidents, heartbeats, inventory)',
      labelNames: ['kind'],
      registers: [r],
    });
    this.requests = new Counter({
      name: 'minewarden_ingest_requests_total',
      help: 'HTTP ingest requests by response status',
      labelNames: ['status'],
      registers: [r],
    });
    const queues = this.agentQueues;
    new Gauge({
      name: 'minewarden_fleet_agent_queue_depth',
      help: 'Batches waiting in agent disk queues, summed over hosts (latest heartbeat of each)',
      registers: [r],
      collect() {
        let s = 0;
        for (const q of queues.values()) s += q.depth;
        this.set(s);
      },
    });
    new Gauge({
      name: 'minewarden_fleet_agent_queue_dropped',
      help: 'Batches agents dropped from full queues, summed over hosts (latest heartbeat of each)',
      registers: [r],
      collect() {
        let s = 0;
        for (const q of queues.values()) s += q.dropped;
        this.set(s);
      },
    });
    const sinks = sources.sinks;
    const last = this.last;
    new Gauge({
      name: 'minewarden_sink_queue_depth',
      help: 'Alerts waiting in each sink queue',
      labelNames: ['sink', 'type'],
      registers: [r],
      collect() {
        for (const s of sinks?.() ?? []) this.set({ sink: s.name, type: s.type }, s.stats.depth);
      },
    });
    for (const what of ['delivered', 'dropped', 'failed', 'retries'] as const) {
      const c: Counter<'sink' | 'type'> = new Counter({
        name: `minewarden_sink_${what}_total`,
        help: `Sink alerts ${what === 'dropped' ? 'dropped because the queue was full' : what === 'failed' ? 'given up after the last retry' : what}`,
        labelNames: ['sink', 'type'],
        registers: [r],
        collect() {
          for (const s of sinks?.() ?? [])
            deltaCounter(c, last, `${what}:${s.name}`, { sink: s.name, type: s.type }, s.stats[what]);
        },
      });
    }
    const bus = sources.bus;
    const busCounter: Counter<'outcome'> = new Counter({
      name: 'minewarden_bus_messages_total',
      help: 'Bus messages by outcome (committed, refused, retried)',
      labelNames: ['outcome'],
      registers: [r],
      collect() {
        const b = bus?.();
        if (!b) return;
        for (const k of ['committed', 'refused', 'retried'] as const)
          deltaCounter(busCounter, last, `bus:${k}`, { outcome: k }, b[k]);
      },
    });
    const fleet = sources.fleet;
    for (const k of ['incidents', 'bans', 'darkHosts'] as const)
      new Gauge({
        name: `minewarden_fleet_${k === 'darkHosts' ? 'dark_hosts' : k === 'bans' ? 'ban_list_size' : 'incidents'}`,
        help: {
          incidents: 'Open fleet incidents',
          bans: 'Addresses on the fleet ban list',
          darkHosts: 'Hosts whose agent went dark',
        }[k],
        registers: [r],
        collect() {
          const f = fleet?.();
          if (f) this.set(f[k]);
        },
      });
  }

  /** The ingest listener. */
  readonly onBatch = (
    batch: IngestBatch,
    result: IngestResult,
    agentId: string | null,
    via: IngestVia,
  ): void => {
    this.batches.inc({ via });
    for (const k of ['findings', 'incidents', 'heartbeats', 'inventory'] as const)
      if (result[k] > 0) this.records.inc({ kind: k }, result[k]);
    const hb = batch.heartbeats.at(-1);
    if (hb && agentId !== null)
      this.agentQueues.set(batch.host.id, { depth: hb.queueDepth ?? 0, dropped: hb.queueDropped ?? 0 });
  };

  ingestStatus(status: number): void {
    this.requests.inc({ status: String(status) });
  }
}
