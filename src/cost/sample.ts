import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { HostSnapshot } from '../sources/procfs/snapshot.js';
import { procDirOf } from '../sources/procfs/snapshot.js';
import { readProcessCgroupCpu } from './cgroup-cpu.js';
import { sum } from './money.js';

export const ProcessUsageSchema = z.object({
  pid: z.number().int().positive(),
  /** Epoch ms; with pid it names one process across pid reuse. */
  startTime: z.number().nonnegative(),
  name: z.string().max(64),
  exe: z.string().max(4096).nullable(),
  containerId: z.string().max(128).nullable(),
  /** utime + stime. */
  cpuSeconds: z.number().nonnegative(),
  /** cutime + cstime: children that exited and were reaped. */
  childCpuSeconds: z.number().nonnegative(),
});
export type ProcessUsage = z.infer<typeof ProcessUsageSchema>;

export const ContainerUsageSchema = z.object({
  id: z.string().min(1).max(128),
  runtime: z.string().max(32).nullable(),
  /** Epoch ms the oldest of its processes started: the cgroup's counter runs at least since then. */
  startTime: z.number().nonnegative().nullable(),
  cpuSeconds: z.number().nonnegative(),
  source: z.enum(['cgroup2 cpu.stat', 'cgroup1 cpuacct.usage', 'processes']),
});
export type ContainerUsage = z.infer<typeof ContainerUsageSchema>;

/** One look at how much CPU time the host, its containers and its busiest processes have used so far. */
export const UsageSampleSchema = z.object({
  v: z.literal(1),
  time: z.number().int().nonnegative(),
  hostId: z.string().min(1).max(256),
  hostName: z.string().max(256),
  /** Epoch ms of boot: host counters restart at boot, so deltas across a reboot are not taken. */
  bootTime: z.number().int().nonnegative(),
  cpus: z.number().int().positive().nullable(),
  /** Busy CPU seconds since boot: user + nice + system + irq + softirq of /proc/stat (steal is not ours). */
  hostCpuSeconds: z.number().nonnegative(),
  processes: z.array(ProcessUsageSchema).max(100_000),
  containers: z.array(ContainerUsageSchema).max(100_000),
});
export type UsageSample = z.infer<typeof UsageSampleSchema>;

/** Processes kept per sample, busiest first: enough for every process that matters, small enough for history. */
export const SAMPLE_PROCESS_LIMIT = 50;
const USER_HZ = 100;

/** Busy CPU seconds since boot from the first line of /proc/stat; null when it does not parse. */
export function readHostBusySeconds(procDir: string): number | null {
  let text: string;
  try {
    text = readFileSync(`${procDir}/stat`, 'utf8');
  } catch {
    return null;
  }
  const line = text.split('\n', 1)[0] ?? '';
  if (!line.startsWith('cpu ')) return null;
  const v = line.trim().split(/\s+/).slice(1, 8);
  if (v.length < 7 || v.some((x) => !/^\d{1,20}$/.test(x))) return null;
  const [user, nice, system, , , irq, softirq] = v.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return (user + nice + system + irq + softirq) / USER_HZ;
}

function total(p: { cpuSeconds: number; childCpuSeconds: number }): number {
  return sum([p.cpuSeconds, p.childCpuSeconds]);
}

/** Builds a usage sample from a snapshot; container CPU comes from the cgroup when readable, else from its processes. */
export function usageSampleOf(snapshot: HostSnapshot, root = '/'): UsageSample {
  const procDir = procDirOf(root);
  const procs = snapshot.processes.filter((p) => !p.kernelThread);
  const byContainer = new Map<string, typeof procs>();
  for (const p of procs) {
    if (!p.containerId) continue;
    const list = byContainer.get(p.containerId);
    if (list) list.push(p);
    else byContainer.set(p.containerId, [p]);
  }
  const containers: ContainerUsage[] = [];
  for (const [id, members] of byContainer) {
    const first = members[0];
    const cg = first ? readProcessCgroupCpu(root, procDir, first.pid) : null;
    containers.push({
      id,
      runtime: first?.containerRuntime ?? null,
      startTime: Math.min(...members.map((p) => p.startTime)),
      cpuSeconds: cg ? cg.cpuSeconds : sum(members.map(total)),
      source: cg ? cg.source : 'processes',
    });
  }
  const processes = procs
    .map((p) => ({
      pid: p.pid,
      startTime: p.startTime,
      name: p.name,
      exe: p.exe,
      containerId: p.containerId,
      cpuSeconds: p.cpuSeconds,
      childCpuSeconds: p.childCpuSeconds,
    }))
    .sort((a, b) => total(b) - total(a))
    .slice(0, SAMPLE_PROCESS_LIMIT);
  const bootTime = snapshot.host.bootTime ? Date.parse(snapshot.host.bootTime) : 0;
  return {
    v: 1,
    time: snapshot.time,
    hostId: snapshot.host.id,
    hostName: snapshot.host.name,
    bootTime: Number.isFinite(bootTime) ? bootTime : 0,
    cpus: snapshot.host.cpus ?? null,
    hostCpuSeconds: readHostBusySeconds(procDir) ?? 0,
    processes,
    containers,
  };
}
