import type { Detector } from '../detect/detector.js';
import { dnsRoutingChange } from '../detect/detectors/dns-routing-change.js';
import { sshDetectors } from '../detect/detectors/ssh-detectors.js';
import type { FleetAttackerIntel } from '../detect/detectors/ssh-fleet-attacker-login.js';
import type { Host } from '../model/host.js';
import type { Agent, AgentOptions, EventFeed } from './agent.js';
import { authFeeds } from './auth-feed.js';
import type { AgentConfig } from './config.js';
import { dnsWatchFeed } from './dns-feed.js';
import { LiveDetection } from './live-detect.js';

/**
 * Auth logs and the DNS routing watch, detected as they happen and queued on the agent (null when both are off).
 * Started and stopped with the agent.
 */
export interface LiveExtras {
  /** Addresses on the fleet ban list: a login from one is `ssh.fleet-attacker-login`. */
  fleet?: FleetAttackerIntel;
  /** The server's Sigma pack, run on live events too. */
  rules?: () => readonly Detector[];
  log?: AgentOptions['log'];
}

export function attachLiveDetection(
  agent: Agent,
  config: Readonly<AgentConfig>,
  host: Host,
  x: LiveExtras = {},
): LiveDetection | null {
  const root = config.scan.root;
  const s = config.sources;
  const feeds: EventFeed[] = authFeeds(s.authLog, root, host.id, x.log);
  if (s.dnsWatch.enabled) feeds.push(dnsWatchFeed(root, host.id, s.dnsWatch.pollMs));
  if (feeds.length === 0) return null;
  const live = new LiveDetection({
    host: () => agent.currentHost() ?? host,
    detectors: () => [...sshDetectors(x.fleet ? { fleet: x.fleet } : {}), dnsRoutingChange],
    ...(x.rules ? { extra: x.rules } : {}),
    feeds,
    enqueue: (b) => agent.enqueue(b),
    flushMs: s.flushMs,
    ...(x.log ? { log: x.log } : {}),
  });
  agent.attach(live);
  return live;
}
