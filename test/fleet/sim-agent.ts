import type { Agent } from '../../src/agent/agent.js';
import type { ScanResult } from '../../src/scan/scan.js';
import { finding, host } from './fixtures.js';

/** A scan that reports `perScan` new findings each time, so every batch adds rows the server must keep once. */
export function simulatedScan(
  hostId: string,
  perScan: number,
): { scan: () => Promise<ScanResult>; sent: () => string[] } {
  let n = 0;
  const ids: string[] = [];
  return {
    sent: () => ids,
    scan: async () => {
      const findings = Array.from({ length: perScan }, () => finding(hostId, n++, new Date().toISOString()));
      ids.push(...findings.map((f) => f.id));
      const snapshot = {
        host: host(hostId),
        time: Date.now(),
        processes: [],
        sockets: [],
        listeners: [],
        hostCpuPercent: null,
        warnings: [],
        stats: {
          collectMs: 0,
          processes: 0,
          exeUnreadable: 0,
          hashSkipped: 0,
          hashTooLarge: 0,
          warningsDropped: 0,
        },
      };
      return { snapshot, findings, incidents: [] } as unknown as ScanResult;
    },
  };
}

export async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function drained(agents: readonly Agent[]): boolean {
  return agents.every((a) => a.queue.stats().depth === 0);
}
