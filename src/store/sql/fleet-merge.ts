import type { Finding } from '../../model/finding.js';
import type { Incident } from '../../model/incident.js';
import { severityRank } from '../../model/severity.js';
import type { Heartbeat, IngestBatch, IngestResult, Inventory } from '../types.js';
import type { SqlValue } from './driver.js';

/** One submitted batch, as the group committer holds it. */
export interface PendingBatch {
  batch: IngestBatch;
  agentId: string | null;
  receivedMs: number;
}

/** How much of a group's row budget a batch takes. */
export function batchWeight(b: IngestBatch): number {
  return 1 + b.findings.length + b.incidents.length + b.heartbeats.length + b.inventory.length;
}

function findingRow(a: FindingAcc): SqlValue[] {
  const f = a.f;
  return [
    f.id,
    f.host.id,
    f.ruleId,
    f.severity,
    severityRank(f.severity),
    f.category,
    a.t,
    a.firstMs,
    a.lastMs,
    a.receivedMs,
    a.incidentId,
    JSON.stringify(f),
  ];
}

/**
 * Keeps the newest copy of each id (for equal times the later one). A batch rarely repeats an id, and then it is
 * used as is: no map, no sort (the group's rows are put in key order when they are written).
 */
function dedupeById<T extends { id: string }>(items: readonly T[], timeOf: (x: T) => number): readonly T[] {
  if (items.length < 2) return items;
  const ids = new Set<string>();
  for (const x of items) ids.add(x.id);
  if (ids.size === items.length) return items;
  const byId = new Map<string, T>();
  for (const x of items) {
    const prev = byId.get(x.id);
    if (!prev || timeOf(x) >= timeOf(prev)) byId.set(x.id, x);
  }
  return [...byId.values()];
}

interface FindingAcc {
  f: Finding;
  t: number;
  firstMs: number;
  lastMs: number;
  receivedMs: number;
  incidentId: string | null;
}

interface HostAcc {
  name: string;
  info: string;
  agentId: string | null;
  firstMs: number;
  lastMs: number;
}

const byKey = <T>(m: Map<string, T>): [string, T][] =>
  [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

/** The rows a group of batches writes, per table in key order, and each batch's result. */
export interface MergedGroup {
  results: IngestResult[];
  hosts: SqlValue[][];
  findings: SqlValue[][];
  incidents: SqlValue[][];
  heartbeats: SqlValue[][];
  inventory: SqlValue[][];
  /** One per inventory that carries a CPU sample, under the inventory's id. */
  cpuSamples: SqlValue[][];
  agents: [string, number][];
}

/**
 * Merges a group of batches into the rows to write, with the result sequential commits would give: rows are
 * merged by id first (a multi-row upsert may touch a row only once), content follows the newest event time, the
 * first/last-seen window is the union, and for equal times the later arrival wins. Keys are written in sorted
 * order, so concurrent transactions lock rows in one order (no deadlock).
 */
export function mergeGroup(items: readonly PendingBatch[]): MergedGroup {
  const hosts = new Map<string, HostAcc>();
  const findings = new Map<string, FindingAcc>();
  const incidents = new Map<string, { i: Incident; firstMs: number; lastMs: number }>();
  const heartbeats = new Map<string, { h: Heartbeat; hostId: string; agentId: string | null; t: number }>();
  const lastBeat = new Map<string, { t: number; intervalMs: number }>();
  const inventory = new Map<string, { inv: Inventory; hostId: string }>();
  const agents = new Map<string, number>();
  const results: IngestResult[] = [];
  for (const { batch, agentId, receivedMs } of items) {
    const { id: hostId, name, ...info } = batch.host;
    const h = hosts.get(hostId);
    hosts.set(hostId, {
      name,
      info: JSON.stringify(info),
      agentId: agentId ?? h?.agentId ?? null,
      firstMs: Math.min(h?.firstMs ?? receivedMs, receivedMs),
      lastMs: Math.max(h?.lastMs ?? receivedMs, receivedMs),
    });
    const fs = dedupeById(batch.findings, (f) => Date.parse(f.time));
    for (const f of fs) {
      const t = Date.parse(f.time);
      const prev = findings.get(f.id);
      if (!prev) {
        findings.set(f.id, { f, t, firstMs: t, lastMs: t, receivedMs, incidentId: f.incidentId ?? null });
        continue;
      }
      if (t >= prev.t) {
        prev.f = f;
        prev.t = t;
      }
      prev.firstMs = Math.min(prev.firstMs, t);
      prev.lastMs = Math.max(prev.lastMs, t);
      prev.incidentId = f.incidentId ?? prev.incidentId;
    }
    const is = dedupeById(batch.incidents, (i) => Date.parse(i.lastSeen));
    for (const i of is) {
      const first = Date.parse(i.firstSeen);
      const last = Date.parse(i.lastSeen);
      const prev = incidents.get(i.id);
      incidents.set(i.id, {
        i,
        firstMs: Math.min(prev?.firstMs ?? first, first),
        lastMs: Math.max(prev?.lastMs ?? last, last),
      });
    }
    const hs = dedupeById(batch.heartbeats, (x) => Date.parse(x.time));
    for (const x of hs) {
      const t = Date.parse(x.time);
      if (!heartbeats.has(x.id)) heartbeats.set(x.id, { h: x, hostId, agentId, t });
      const lb = lastBeat.get(hostId);
      if (!lb || t > lb.t) lastBeat.set(hostId, { t, intervalMs: x.intervalMs });
    }
    const invs = dedupeById(batch.inventory, (x) => Date.parse(x.time));
    for (const x of invs) if (!inventory.has(x.id)) inventory.set(x.id, { inv: x, hostId });
    if (agentId !== null) agents.set(agentId, Math.max(agents.get(agentId) ?? receivedMs, receivedMs));
    results.push({
      findings: fs.length,
      incidents: is.length,
      heartbeats: hs.length,
      inventory: invs.length,
    });
  }

  return {
    results,
    hosts: byKey(hosts).map(([id, h]) => {
      const beat = lastBeat.get(id);
      return [id, h.name, h.info, h.agentId, h.firstMs, h.lastMs, beat?.t ?? null, beat?.intervalMs ?? null];
    }),
    findings: byKey(findings).map(([, x]) => findingRow(x)),
    incidents: byKey(incidents).map(([id, x]) => [
      id,
      x.i.host.id,
      x.i.severity,
      x.firstMs,
      x.lastMs,
      JSON.stringify(x.i),
    ]),
    heartbeats: byKey(heartbeats).map(([id, x]) => [id, x.hostId, x.agentId, x.t, JSON.stringify(x.h)]),
    inventory: byKey(inventory).map(([id, x]) => [
      id,
      x.hostId,
      Date.parse(x.inv.time),
      // The CPU sample is stored once, in cpu_samples.
      JSON.stringify(x.inv.cpu ? { ...x.inv, cpu: undefined } : x.inv),
    ]),
    cpuSamples: byKey(inventory).flatMap(([id, x]) =>
      x.inv.cpu
        ? [[id, x.hostId, Date.parse(x.inv.time), x.inv.cpu.busyPercent, JSON.stringify(x.inv.cpu)]]
        : [],
    ),
    agents: byKey(agents),
  };
}
