import { compareText } from '../util/compare.js';
import { type CpuPrice, costOfCpuSeconds, D, sum } from './money.js';
import type { UsageSample } from './sample.js';

/** CPU time and money of one thing (process, container, host) over [from, to]. */
export interface CostRow {
  cpuSeconds: number;
  cost: number;
  /** Average CPU use over the row's own interval, percent of one vCPU. */
  avgCpuPercent: number;
  /** Epoch ms the row is measured from: the baseline sample, or the start of the thing when it is younger. */
  from: number;
  to: number;
  /** How `from` was chosen. */
  since: 'sample' | 'process-start' | 'boot' | 'container-start';
}

export interface ProcessCostRow extends CostRow {
  pid: number;
  startTime: number;
  name: string;
  exe: string | null;
  containerId: string | null;
}

export interface ContainerCostRow extends CostRow {
  id: string;
  runtime: string | null;
  source: string;
}

export interface CostReport {
  currency: string;
  window: { requestedFrom: number; from: number; to: number; baselineSample: number | null };
  host: CostRow & { id: string; name: string; cpus: number | null };
  containers: ContainerCostRow[];
  processes: ProcessCostRow[];
}

const key = (pid: number, startTime: number): string => `${pid}:${startTime}`;

function row(
  cpuSeconds: number,
  from: number,
  to: number,
  since: CostRow['since'],
  price: CpuPrice,
): CostRow {
  const ms = Math.max(1, to - from);
  return {
    cpuSeconds,
    cost: costOfCpuSeconds(cpuSeconds, price),
    avgCpuPercent: new D(cpuSeconds).times(100_000).div(ms).toDecimalPlaces(2).toNumber(),
    from,
    to,
    since,
  };
}

/** Exact a - b, or null when the counter went backwards (reset), so callers fall back to the full counter. */
function delta(a: number, b: number): number | null {
  const d = new D(a).minus(b);
  return d.isNegative() ? null : d.toNumber();
}

/**
 * Per process, container and host: CPU seconds and money between `base` (or each thing's start when there is no
 * earlier sample of it) and `now`. Pure: both samples are inputs, nothing is read here.
 */
export function accountWindow(
  base: UsageSample | null,
  now: UsageSample,
  price: CpuPrice,
  requestedFrom: number,
  top = 20,
): CostReport {
  const to = now.time;
  const baseProcs = new Map(base?.processes.map((p) => [key(p.pid, p.startTime), p]));
  const processes: ProcessCostRow[] = now.processes.map((p) => {
    const totalNow = sum([p.cpuSeconds, p.childCpuSeconds]);
    const before = baseProcs.get(key(p.pid, p.startTime));
    const d = before ? delta(totalNow, sum([before.cpuSeconds, before.childCpuSeconds])) : null;
    const r =
      base && before && d !== null
        ? row(d, base.time, to, 'sample', price)
        : row(totalNow, p.startTime, to, 'process-start', price);
    return { pid: p.pid, startTime: p.startTime, name: p.name, exe: p.exe, containerId: p.containerId, ...r };
  });
  processes.sort((a, b) => b.cpuSeconds - a.cpuSeconds || a.pid - b.pid);

  const baseContainers = new Map(base?.containers.map((c) => [c.id, c]));
  const containers: ContainerCostRow[] = now.containers.map((c) => {
    const before = baseContainers.get(c.id);
    const d = before && before.source === c.source ? delta(c.cpuSeconds, before.cpuSeconds) : null;
    const r =
      base && d !== null
        ? row(d, base.time, to, 'sample', price)
        : row(c.cpuSeconds, c.startTime ?? requestedFrom, to, 'container-start', price);
    return { id: c.id, runtime: c.runtime, source: c.source, ...r };
  });
  containers.sort((a, b) => b.cpuSeconds - a.cpuSeconds || compareText(a.id, b.id));

  const hd = base ? delta(now.hostCpuSeconds, base.hostCpuSeconds) : null;
  const hostRow =
    base && hd !== null
      ? row(hd, base.time, to, 'sample', price)
      : row(now.hostCpuSeconds, now.bootTime, to, 'boot', price);

  return {
    currency: price.currency,
    window: { requestedFrom, from: hostRow.from, to, baselineSample: base?.time ?? null },
    host: { id: now.hostId, name: now.hostName, cpus: now.cpus, ...hostRow },
    containers,
    processes: processes.slice(0, top),
  };
}
