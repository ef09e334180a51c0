import type { TelemetryEvent } from '../model/event.js';
import { type ExecSource, openExecSource } from '../sources/exec/index.js';

/** How the scan watched process starts while it sampled CPU; printed by `scan --verbose`. */
export interface RealtimeReport {
  mode: 'netlink' | 'none';
  reason?: string;
  events: number;
  dropped: number;
  kernelOverruns: number;
}

/**
 * Watches exec/exit events through the netlink proc connector during the scan's sampling window, so a dropper that
 * lives 50 ms while the scan runs is still seen. Polling adds nothing over the snapshot inside one window, so when
 * netlink is unavailable the scan goes on without it and says why.
 */
export class RealtimeWindow {
  private readonly events: TelemetryEvent[] = [];
  private readonly source: ExecSource;

  constructor(
    hostId: string,
    private readonly maxEvents = 100_000,
  ) {
    this.source = openExecSource({ hostId });
    if (this.source.mode === 'netlink') {
      this.source.start((e) => {
        if (this.events.length < this.maxEvents && e.kind === 'exec') this.events.push(e);
      });
    }
  }

  async close(): Promise<{ events: TelemetryEvent[]; report: RealtimeReport }> {
    const status = this.source.status();
    await this.source.stop();
    const report: RealtimeReport =
      status.mode === 'netlink'
        ? {
            mode: 'netlink',
            events: status.events,
            dropped: status.dropped,
            kernelOverruns: status.kernelOverruns,
          }
        : {
            mode: 'none',
            reason: status.reason ?? 'netlink unavailable',
            events: 0,
            dropped: 0,
            kernelOverruns: 0,
          };
    return { events: this.events, report };
  }
}
