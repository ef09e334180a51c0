import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { MinewardenError } from '../model/errors.js';
import type { MemTrimmer } from '../util/mem-trim.js';
import type { Agent } from './agent.js';
import type { AutoResponder } from './auto-respond.js';
import { SelfUsage } from './batch.js';
import type { AgentCloudFeed } from './cloud-feed.js';
import type { FleetBanPoller } from './fleet-bans.js';
import type { LiveDetection } from './live-detect.js';
import type { ContentSync } from './policy-sync.js';
import type { RemoteResponder } from './remote-respond.js';

/** The agent's registry: its own CPU and memory (process_*), queue, shipping and scan counters. */
export function agentRegistry(
  agent: Agent,
  bans?: FleetBanPoller,
  more: {
    live?: LiveDetection | null;
    sync?: ContentSync | null;
    trimmer?: MemTrimmer;
    cloud?: AgentCloudFeed | null;
    auto?: AutoResponder | null;
    remote?: RemoteResponder | null;
  } = {},
): Registry {
  const r = new Registry();
  // Its own sampler: sharing the heartbeat's would shorten the heartbeat's measuring window.
  const usage = new SelfUsage();
  collectDefaultMetrics({ register: r, prefix: 'minewarden_agent_' });
  const g = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [r],
      collect() {
        this.set(read());
      },
    });
  g('minewarden_agent_queue_depth', 'Batches waiting in the disk queue', () => agent.queue.stats().depth);
  g('minewarden_agent_queue_bytes', 'Bytes held by the disk queue', () => agent.queue.stats().bytes);
  g('minewarden_agent_queue_dropped_total', 'Batches dropped from the full queue', () =>
    agent.queue.counter('dropped'),
  );
  g(
    'minewarden_agent_batches_sent_total',
    'Batches the server or bus acknowledged',
    () => agent.shipper.sent,
  );
  g('minewarden_agent_send_retries_total', 'Sends that failed and were retried', () => agent.shipper.retries);
  g('minewarden_agent_scans_total', 'Completed scans', () => agent.scans);
  g(
    'minewarden_agent_cpu_percent',
    'CPU used by the agent since the previous scrape, % of one core',
    () => usage.sample().cpuPercent,
  );
  if (bans) {
    g('minewarden_agent_fleet_bans', 'Pushed fleet bans this agent holds', () => bans.handled.size);
    g('minewarden_agent_fleet_ban_poll_failures_total', 'Ban list polls that failed', () => bans.failures);
  }
  const { live, sync, trimmer, cloud, auto, remote } = more;
  if (remote) {
    g('minewarden_agent_remote_response_polls_total', 'Polls for response requests', () => remote.polls);
    g(
      'minewarden_agent_remote_response_handled_total',
      'Response requests run to the end on this host (plan, apply or undo)',
      () => remote.handled,
    );
    g(
      'minewarden_agent_remote_response_failures_total',
      'Response request polls or runs that failed',
      () => remote.failures,
    );
  }
  if (auto) {
    g(
      'minewarden_agent_auto_respond_runs_total',
      'Automatic response runs (each journaled and reported)',
      () => auto.runs,
    );
    for (const [status, read] of [
      ['applied', () => auto.applied],
      ['simulated', () => auto.simulated],
      ['refused', () => auto.refused],
      ['failed', () => auto.failed],
      ['skipped', () => auto.skipped],
    ] as const)
      g(`minewarden_agent_auto_respond_${status}_total`, `Automatic response steps ${status}`, read);
    g(
      'minewarden_agent_auto_respond_pending',
      'Findings waiting for an automatic response decision',
      () => auto.queued,
    );
    g(
      'minewarden_agent_auto_respond_dropped_total',
      'Findings dropped from the full decision queue',
      () => auto.dropped,
    );
  }
  const exec = agent.execLive;
  if (exec) {
    g('minewarden_agent_exec_events_total', 'Exec feed events detected as they arrived', () => exec.events);
    g('minewarden_agent_exec_findings_total', 'Findings queued from exec events', () => exec.shipped);
  }
  if (trimmer?.available) {
    g('minewarden_agent_memory_trims_total', 'Trims of unused file-backed pages', () => trimmer.trims);
    g(
      'minewarden_agent_memory_trim_last_bytes',
      'Resident bytes in the mappings the last trim unmapped (the part in use comes back)',
      () => trimmer.lastKb * 1024,
    );
  }
  if (cloud) {
    g('minewarden_agent_cloud_looks_total', 'Looks at the cloud-log directories', () => cloud.looks);
    g('minewarden_agent_cloud_files_total', 'Cloud-log files read (over all runs)', () => cloud.filesRead);
    g('minewarden_agent_cloud_findings_total', 'Cloud findings queued', () => cloud.findings);
  }
  if (live) {
    g('minewarden_agent_live_events_total', 'Auth-log and DNS events detected live', () => live.events);
    g(
      'minewarden_agent_live_findings_total',
      'Live findings queued (again when their evidence grew)',
      () => live.shipped,
    );
  }
  if (sync) {
    g(
      'minewarden_agent_content_poll_failures_total',
      'Policy/rules/intel polls that failed',
      () => sync.failures,
    );
    g(
      'minewarden_agent_content_refused',
      'Pushed documents (policy, rules, intel) refused by validation; the previous one stays in force',
      () => Object.values(sync.status()).filter((s) => s.rejected !== undefined).length,
    );
  }
  return r;
}

/** Serves GET /metrics on host:port; nothing else. */
export async function serveMetrics(listen: string, registry: Registry): Promise<Server> {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(listen.slice(i + 1));
  const srv = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry
      .metrics()
      .then((body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body))
      .catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve, reject) => {
    srv.once('error', (err) =>
      reject(
        new MinewardenError('MW_CONFIG_INVALID', `cannot listen on ${listen}: ${err.message}`, {
          field: 'metrics',
        }),
      ),
    );
    srv.listen(port, host, () => resolve());
  });
  return srv;
}
