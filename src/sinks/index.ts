import { atLeast } from '../model/severity.js';
import type { IngestBatch } from '../store/types.js';
import { type SinkConfig, sinkName } from './config.js';
import { natsSink } from './nats.js';
import { ocsfFileSink } from './ocsf-file.js';
import { SinkRunner } from './runner.js';
import { slackSink } from './slack.js';
import { syslogSink } from './syslog.js';
import type { Alert, SinkStats, SinkTransport } from './types.js';
import { webhookSink } from './webhook.js';

export type { SinkConfig } from './config.js';
export type { Alert, SinkStats } from './types.js';

export function transportFor(c: SinkConfig, version: string): SinkTransport {
  switch (c.type) {
    case 'webhook':
      return webhookSink(c.url, c.secret, c.timeoutMs);
    case 'slack':
      return slackSink(c.url, c.timeoutMs);
    case 'syslog':
      return syslogSink({ ...c, version });
    case 'nats':
      return natsSink(c.url, c.subject, c.timeoutMs);
    case 'ocsf-file':
      return ocsfFileSink(c.path, version);
  }
}

interface Entry {
  config: SinkConfig;
  runner: SinkRunner;
}

/** Every configured sink, fed after each committed batch; none of them can slow or fail ingest. */
export class Sinks {
  private readonly entries: Entry[];
  /** Alert id -> when it was last forwarded; agents resend open findings every scan and receivers want them once. */
  private readonly seen = new Map<string, number>();

  constructor(
    configs: readonly SinkConfig[],
    version: string,
    onError: (sink: string, err: Error) => void = () => {},
    private readonly realertMs = 3_600_000,
    private readonly maxRemembered = 100_000,
  ) {
    this.entries = configs.map((config, i) => ({
      config,
      runner: new SinkRunner(
        sinkName(config, i),
        config.type,
        transportFor(config, version),
        {
          maxQueue: config.queue,
          retries: config.retries,
          initialBackoffMs: config.backoffMs,
          maxBackoffMs: config.maxBackoffMs,
        },
        onError,
      ),
    }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** True when this alert was forwarded less than realertMs ago (per process: replicas each remember their own). */
  private repeat(a: Alert, now: number): boolean {
    const id = a.kind === 'finding' ? a.finding.id : a.incident.id;
    const last = this.seen.get(id);
    if (last !== undefined && now - last < this.realertMs) return true;
    this.seen.delete(id);
    this.seen.set(id, now);
    if (this.seen.size > this.maxRemembered) {
      const oldest = this.seen.keys().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
    return false;
  }

  publish(a: Alert, now = Date.now()): void {
    if (this.entries.length === 0 || this.repeat(a, now)) return;
    for (const { config, runner } of this.entries)
      if (a.kind === 'incident' || atLeast(a.finding.severity, config.minSeverity)) runner.offer(a);
  }

  /** The ingest listener: one alert per finding and incident in the committed batch. */
  readonly onBatch = (batch: IngestBatch): void => {
    if (this.entries.length === 0) return;
    for (const finding of batch.findings) this.publish({ kind: 'finding', finding });
    for (const incident of batch.incidents) this.publish({ kind: 'incident', incident });
  };

  stats(): { name: string; type: string; stats: SinkStats }[] {
    return this.entries.map((e) => ({ name: e.runner.name, type: e.runner.type, stats: e.runner.stats() }));
  }

  async close(deadlineMs = 5000): Promise<void> {
    await Promise.all(this.entries.map((e) => e.runner.close(deadlineMs)));
  }
}
