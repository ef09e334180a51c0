import type { Finding } from '../model/finding.js';
import type { Host } from '../model/host.js';
import type { ScanResult } from '../scan/scan.js';
import type { HostSnapshot } from '../sources/procfs/snapshot.js';
import { type Heartbeat, type IngestBatch, type Inventory, MAX_BATCH_FINDINGS } from '../store/types.js';

/** A process-wide id prefix: batch and heartbeat ids from this run never collide with an earlier run's. */
export function runId(): string {
  return `${Date.now().toString(36)}-${process.pid.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export function inventoryOf(s: HostSnapshot, id: string): Inventory {
  const byUser: Record<string, number> = {};
  for (const p of s.processes) {
    const u = p.user ?? (p.uid === null ? '?' : String(p.uid));
    byUser[u] = (byUser[u] ?? 0) + 1;
  }
  const names = new Map(s.processes.map((p) => [p.pid, p.name]));
  return {
    id,
    time: new Date(s.time).toISOString(),
    processes: { total: s.processes.length, byUser },
    listeners: s.listeners.slice(0, 5000).map((l) => ({
      transport: l.transport,
      ip: l.ip,
      port: l.port,
      scope: l.scope,
      ...(l.pids[0] !== undefined && names.has(l.pids[0])
        ? { process: names.get(l.pids[0])!.slice(0, 256) }
        : {}),
    })),
    packages: [],
  };
}

/** Splits one scan into batches the server accepts (findings capped per batch); inventory rides on the first. */
export function batchesOfScan(
  host: Host,
  scan: ScanResult,
  ids: () => string,
  heartbeat?: Heartbeat,
): IngestBatch[] {
  const out: IngestBatch[] = [];
  const f = scan.findings;
  for (let i = 0; i === 0 || i < f.length; i += MAX_BATCH_FINDINGS) {
    const id = ids();
    out.push({
      batchId: id,
      host,
      findings: f.slice(i, i + MAX_BATCH_FINDINGS),
      incidents: i === 0 ? scan.incidents : [],
      heartbeats: i === 0 && heartbeat ? [heartbeat] : [],
      inventory: i === 0 ? [inventoryOf(scan.snapshot, `${id}:inv`)] : [],
    });
  }
  return out;
}

/**
 * Findings alone (live detection, posture, cloud logs) as the batches the server accepts, at most MAX_BATCH_FINDINGS
 * each; `ids` names each batch.
 */
export function findingBatches(host: Host, findings: readonly Finding[], ids: () => string): IngestBatch[] {
  const out: IngestBatch[] = [];
  for (let i = 0; i < findings.length; i += MAX_BATCH_FINDINGS)
    out.push({
      batchId: ids(),
      host,
      findings: findings.slice(i, i + MAX_BATCH_FINDINGS),
      incidents: [],
      heartbeats: [],
      inventory: [],
    });
  return out;
}

/** CPU (percent of one core) and RSS of this process since the last call. */
export class SelfUsage {
  private lastCpu = process.cpuUsage();
  private lastWall = process.hrtime.bigint();

  sample(): { cpuPercent: number; rssBytes: number } {
    const cpu = process.cpuUsage(this.lastCpu);
    const wall = process.hrtime.bigint();
    const wallUs = Number(wall - this.lastWall) / 1000;
    this.lastCpu = process.cpuUsage();
    this.lastWall = wall;
    const cpuPercent = wallUs > 0 ? ((cpu.user + cpu.system) / wallUs) * 100 : 0;
    return { cpuPercent: Math.round(cpuPercent * 100) / 100, rssBytes: process.memoryUsage.rss() };
  }
}
