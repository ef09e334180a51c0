import type { Finding } from '../model/finding.js';
import type { Host } from '../model/host.js';
import type { ScanResult } from '../scan/scan.js';
import type { HostSnapshot } from '../sources/procfs/snapshot.js';
import {
  CPU_SAMPLE_TOP,
  type CpuProcess,
  type CpuSample,
  type Heartbeat,
  type IngestBatch,
  type Inventory,
  MAX_BATCH_FINDINGS,
} from '../store/types.js';

/** A process-wide id prefix: batch and heartbeat ids from this run never collide with an earlier run's. */
export function runId(): string {
  return `${Date.now().toString(36)}-${process.pid.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** What a scan knows about its CPU sampling besides the snapshot: the window it sampled and the load average. */
export interface ScanCpu {
  windowMs?: number;
  load?: readonly [number, number, number] | null;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/**
 * The host's CPU over the scan's sampling window and its busiest processes; undefined when the scan did not sample
 * (sampleMs 0), since a sample without a busy % cannot be drawn.
 */
export function cpuSampleOf(s: HostSnapshot, extra: ScanCpu = {}): CpuSample | undefined {
  if (s.hostCpuPercent === null) return undefined;
  const busy = s.processes.filter((p) => p.cpuPercent !== null && p.cpuPercent >= 0.05);
  busy.sort((a, b) => (b.cpuPercent ?? 0) - (a.cpuPercent ?? 0) || a.pid - b.pid);
  const top: CpuProcess[] = busy.slice(0, CPU_SAMPLE_TOP).map((p) => ({
    pid: p.pid,
    // A start time that cannot be a date (unreadable boot time) must not fail the scan's shipment.
    startTime: new Date(Number.isFinite(p.startTime) ? p.startTime : 0).toISOString(),
    name: p.name.slice(0, 256),
    ...(p.exe ? { exe: p.exe.slice(0, 4096) } : {}),
    ...(p.user !== null ? { user: p.user.slice(0, 256) } : p.uid !== null ? { user: String(p.uid) } : {}),
    cpuPercent: round1(Math.min(p.cpuPercent ?? 0, 100_000)),
    ...(p.containerId ? { container: p.containerId.slice(0, 256) } : {}),
  }));
  return {
    busyPercent: round1(Math.min(100, Math.max(0, s.hostCpuPercent))),
    ...(extra.windowMs !== undefined ? { windowMs: extra.windowMs } : {}),
    ...(s.host.cpus !== undefined ? { cpus: s.host.cpus } : {}),
    ...(extra.load ? { load: [...extra.load] } : {}),
    top,
  };
}

export function inventoryOf(s: HostSnapshot, id: string, cpu?: ScanCpu): Inventory {
  const sample = cpuSampleOf(s, cpu);
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
    ...(sample ? { cpu: sample } : {}),
  };
}

/** Splits one scan into batches the server accepts (findings capped per batch); inventory rides on the first. */
export function batchesOfScan(
  host: Host,
  scan: ScanResult,
  ids: () => string,
  heartbeat?: Heartbeat,
  cpu?: ScanCpu,
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
      inventory: i === 0 ? [inventoryOf(scan.snapshot, `${id}:inv`, cpu)] : [],
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
