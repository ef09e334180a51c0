import {
  type BanEntry,
  banList,
  CORRELATED_RULES,
  type FleetGroup,
  fleetFindings,
  groupByIndicator,
  indicatorOf,
} from '../correlate/fleet-correlate.js';
import { agentDarkFinding } from '../correlate/fleet-dark.js';
import { DARK_AFTER_MISSED } from '../correlate/fleet-liveness.js';
import type { Finding } from '../model/finding.js';
import type { Host } from '../model/host.js';
import type { Store } from '../store/store.js';
import type { IngestBatch } from '../store/types.js';
import type { ServerConfig } from './config.js';
import type { IngestService } from './ingest.js';

/** Batches the correlator writes itself; its own listener ignores them. */
export const FLEET_BATCH_PREFIX = 'fleet:';
/** Findings of one rule read per pass: the newest and most severe first, so a flood cannot stall correlation. */
const PER_RULE_LIMIT = 20_000;

/**
 * Fleet correlation on the server: reads the correlated rules' findings from the store, groups them by
 * indicator across hosts, writes one fleet finding per host of each group (they share the fleet incident id),
 * keeps the ban list, and writes an agent-dark finding for hosts whose heartbeats stopped. Everything it writes
 * has a derived id, so several replicas doing the same work store each record once.
 */
export class FleetCorrelator {
  groups: FleetGroup[] = [];
  bans: BanEntry[] = [];
  darkHosts = 0;
  runs = 0;
  /** When the last pass finished (ISO), null before the first. */
  updatedAt: string | null = null;
  private readonly emitted = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;
  /** Set by start(): silence while this server was down is not the agent's fault. */
  private startedAt = 0;

  constructor(
    private readonly store: Store,
    private readonly ingest: IngestService,
    private readonly opts: ServerConfig['fleet'],
    private readonly log: (msg: string, f?: Record<string, unknown>) => void = () => {},
  ) {}

  start(): void {
    this.startedAt = Date.now();
    this.ingest.onIngested((b) => this.onBatch(b));
    this.timer = setInterval(() => this.kick(), this.opts.everyMs);
    this.timer.unref();
    this.kick();
  }

  private onBatch(b: IngestBatch): void {
    if (b.batchId.startsWith(FLEET_BATCH_PREFIX) || this.soon) return;
    if (!b.findings.some((f) => indicatorOf(f) !== null)) return;
    // Coalesce a burst of batches into one pass shortly after.
    this.soon = setTimeout(() => {
      this.soon = null;
      this.kick();
    }, 250);
    this.soon.unref();
  }

  /** Runs a pass unless one is running; a pass failing is logged and retried by the timer. */
  kick(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.running ??= this.runOnce(Date.now())
      .catch((err: unknown) => this.log('fleet correlation failed', { error: (err as Error).message }))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  async runOnce(now: number): Promise<void> {
    const findings: Finding[] = [];
    for (const ruleId of CORRELATED_RULES)
      for (const s of await this.store.fleet.listFindings({ ruleId, limit: PER_RULE_LIMIT }))
        findings.push(s.finding);
    this.groups = groupByIndicator(findings, Math.min(this.opts.minHosts, this.opts.banMinHosts));
    const incidents = this.groups.filter(
      (g) => g.hosts.size >= (g.kind === 'brute-force' ? this.opts.banMinHosts : this.opts.minHosts),
    );
    this.groups = incidents;
    this.bans = banList(incidents, this.opts.banTtlHours * 3_600_000, now);
    const out = incidents.flatMap(fleetFindings);
    const hosts = await this.store.fleet.listHosts();
    let dark = 0;
    for (const h of hosts) {
      if (h.lastHeartbeat === null || h.heartbeatIntervalMs === null) continue;
      // After a server outage agents need a few intervals to get their queued heartbeats through.
      if (now - this.startedAt <= DARK_AFTER_MISSED * h.heartbeatIntervalMs) continue;
      const f = agentDarkFinding({ id: h.id, name: h.name }, h.lastHeartbeat, h.heartbeatIntervalMs, now);
      if (f) {
        dark++;
        out.push(f);
      }
    }
    this.darkHosts = dark;
    await this.write(out, new Map(hosts.map((h) => [h.id, { id: h.id, name: h.name, ...h.info } as Host])));
    this.runs++;
    this.updatedAt = new Date(now).toISOString();
  }

  /** Ingests what changed since the last pass, one batch per host, through the normal path (sinks see it). */
  private async write(findings: Finding[], hosts: Map<string, Host>): Promise<void> {
    const byHost = new Map<string, Finding[]>();
    for (const f of findings) {
      const sig = JSON.stringify(f);
      if (this.emitted.get(f.id) === sig) continue;
      const list = byHost.get(f.host.id) ?? [];
      list.push(f);
      byHost.set(f.host.id, list);
    }
    for (const [hostId, list] of byHost) {
      const host = hosts.get(hostId) ?? { id: hostId, name: list[0]?.host.name ?? hostId };
      await this.ingest.accept(
        {
          batchId: `${FLEET_BATCH_PREFIX}${hostId}:${Date.now()}`,
          host,
          findings: list,
          incidents: [],
          heartbeats: [],
          inventory: [],
        },
        null,
        'local',
      );
      for (const f of list) this.emitted.set(f.id, JSON.stringify(f));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    await this.running;
  }
}
