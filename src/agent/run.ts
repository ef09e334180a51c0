import type { PoolIntel } from '../intel/pools/index.js';
import { MinewardenError } from '../model/errors.js';
import type { Finding } from '../model/finding.js';
import { readHostInfo } from '../sources/procfs/host-info.js';
import { procDirOf } from '../sources/procfs/snapshot.js';
import { MemTrimmer } from '../util/mem-trim.js';
import { Agent, type AgentOptions, type EventFeed } from './agent.js';
import { autoResponderFor } from './auto-respond.js';
import { attachCloudFeed, openAgentCloudWatch } from './cloud-feed.js';
import type { AgentConfig } from './config.js';
import { enroll, loadCredential } from './enroll.js';
import { execFeed } from './exec-feed.js';
import { policyApplier } from './fleet-ban-apply.js';
import { FleetBanPoller, recordOnly } from './fleet-bans.js';
import { attachLiveDetection } from './live.js';
import { ContentSync } from './policy-sync.js';
import { attachPostureLoop } from './posture-loop.js';
import { RemoteResponder } from './remote-respond.js';
import { HttpTransport, type Transport } from './transport.js';

export interface StartAgentOptions {
  version?: string;
  log?: AgentOptions['log'];
  /** Replaces the JetStream transport (tests). */
  busTransport?: (url: string, credential: string) => Promise<Transport>;
  /** Narrows automatic response to these findings (tests: only the processes they started). */
  autoRespondScope?: (f: Finding) => boolean;
}

/** Enrolls on first start (credential kept in stateDir), builds the transport and feeds, and starts the agent. */
export async function startAgent(
  config: Readonly<AgentConfig>,
  opts: StartAgentOptions = {},
): Promise<Agent> {
  const root = config.scan.root;
  const host = readHostInfo(root === '/' ? '' : root, procDirOf(root), root === '/');
  // Before enrollment: a cloud directory that is missing or a file stops the start without using the token.
  // The watch asks for the server's pushed pool intel at each look; the content sync starts after enrollment.
  let pushedIntel: () => PoolIntel | null = () => null;
  const cloudWatch = await openAgentCloudWatch(config, () => pushedIntel());
  // The response policy decides about the agent's own findings (simulate unless configured to enforce). Built
  // before enrollment too, so a bad --policy file stops the start without using the token.
  const auto = autoResponderFor(config, {
    pushed: () => sync?.policy() ?? null,
    enqueue: (b) => agent.enqueue(b),
    procDir: procDirOf(root),
    ...(opts.autoRespondScope ? { accept: opts.autoRespondScope } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
  // Hash packs are read and checked before enrollment as well; the loader (and zod's use of it) only when given.
  const packs = config.scan.hashPacks;
  const minerHashes =
    packs.length > 0
      ? (await import('../detect/detectors/miner-hash-pack.js')).minerHashesWithPacks(packs)
      : undefined;
  let cred = loadCredential(config.stateDir);
  if (cred && config.server && cred.server !== config.server) cred = null;
  if (!cred) {
    if (!config.server)
      throw new MinewardenError('MW_USAGE', 'the first start needs --server and --token to enroll', {
        field: '--server',
      });
    if (!config.token)
      throw new MinewardenError('MW_USAGE', 'not enrolled yet: pass an enrollment --token', {
        field: '--token',
      });
    cred = await enroll(config.server, config.token, host, config.stateDir);
    opts.log?.('enrolled', { agentId: cred.agentId, hostId: cred.hostId });
  }
  const secret = cred.credential;
  let transport: Transport;
  if (config.bus) {
    transport = opts.busTransport
      ? await opts.busTransport(config.bus, secret)
      : // Loaded only when used: the NATS client (like prom-client below) costs an agent ~10 MB of memory.
        await (await import('./bus-transport.js')).BusTransport.open(
          config.bus,
          secret,
          cred.hostId,
          config.busNames,
        );
  } else {
    transport = new HttpTransport(cred.server, () => secret);
  }
  const feeds: EventFeed[] = [];
  if (config.sources.exec !== 'off')
    feeds.push(execFeed(host.id, config.sources.exec === 'poll' ? 'poll' : 'netlink', procDirOf(root)));
  const sync = config.contentSync.enabled
    ? new ContentSync({
        server: cred.server,
        credential: () => secret,
        stateDir: config.stateDir,
        pollMs: config.contentSync.pollMs,
        ...(opts.log ? { log: opts.log } : {}),
      })
    : null;
  if (sync) pushedIntel = () => sync.poolIntel();
  const trimmer = new MemTrimmer(config.memoryTrimMs);
  const agent = new Agent({
    config,
    transport,
    feeds,
    // Exec events are detected as they arrive (a miner started between scans is on the server within ~2 s).
    ...(feeds.length > 0 ? { liveExec: { host, flushMs: config.sources.flushMs } } : {}),
    // The live follower (attachLiveDetection below) reads the auth log; scans reading it again would double the work.
    scanAuthLog: !config.sources.authLog.enabled,
    ...(sync
      ? {
          detectors: (builtin) => sync.detectors(builtin),
          detectorsGeneration: () => sync.generation,
          heartbeatExtras: () => ({ content: sync.versions() }),
        }
      : {}),
    ...(opts.version ? { version: opts.version } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    ...(config.memoryTrimMs > 0 ? { afterScan: () => trimmer.trimNow() } : {}),
    ...(auto ? { onFindings: (h, f) => auto.offer(h, f) } : {}),
    ...(minerHashes ? { minerHashes } : {}),
  });
  agent.attach(trimmer);
  if (auto) agent.attach(auto);
  let bans: FleetBanPoller | undefined;
  if (config.fleetBans.enabled) {
    const fb = config.fleetBans;
    bans = new FleetBanPoller({
      server: cred.server,
      credential: () => secret,
      host: () => agent.currentHost(),
      stateDir: config.stateDir,
      pollMs: fb.pollMs,
      // A local policy file wins over the server's; with neither, bans are only recorded.
      apply:
        fb.policy || sync
          ? policyApplier({
              ...(fb.policy ? { policyFile: fb.policy } : { policy: () => sync?.policy() ?? null }),
              stateDir: config.stateDir,
              root,
              procDir: procDirOf(root),
            })
          : recordOnly,
      ...(opts.log ? { log: opts.log } : {}),
    });
    const poller = bans;
    agent.attach({ stop: () => poller.stop() });
  }
  const banList = bans;
  const live = attachLiveDetection(agent, config, host, {
    ...(banList ? { fleet: { lookup: (ip: string) => banList.attacker(ip) } } : {}),
    ...(sync ? { rules: () => sync.rules() } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
  const posture = attachPostureLoop(agent, config, host, opts.log);
  const cloud = cloudWatch ? attachCloudFeed(agent, config, cloudWatch, host, opts.log) : null;
  if (sync) agent.attach(sync);
  // Responses asked from the dashboard for this host; over HTTP to the server even when findings go over the bus.
  const rr = config.remoteResponse;
  const remote = rr.enabled
    ? new RemoteResponder({
        server: cred.server,
        credential: () => secret,
        stateDir: config.stateDir,
        hostId: cred.hostId,
        pollMs: rr.pollMs,
        root: rr.root ?? root,
        procDir: procDirOf(root),
        ...(rr.policy ? { policyFile: rr.policy } : {}),
        ...(sync ? { pushedPolicy: () => sync.policy(), poolIntel: () => sync.poolIntel() } : {}),
        ...(opts.log ? { log: opts.log } : {}),
      })
    : null;
  if (remote) agent.attach(remote);
  if (config.metrics) {
    const { agentRegistry, serveMetrics } = await import('./metrics.js');
    const srv = await serveMetrics(
      config.metrics,
      agentRegistry(agent, bans, { live, sync, trimmer, cloud, auto, remote }),
    );
    agent.attach({ stop: () => new Promise<void>((resolve) => srv.close(() => resolve())) });
  }
  // Before the first scan: start-up mapped much of the node binary that the agent will not touch again.
  trimmer.start();
  agent.start();
  live?.start();
  posture?.start();
  cloud?.start();
  sync?.start();
  bans?.start();
  remote?.start();
  return agent;
}
