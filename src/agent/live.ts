import { dnsRoutingChange } from '../detect/detectors/dns-routing-change.js';
import { sshDetectors } from '../detect/detectors/ssh-detectors.js';
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
export function attachLiveDetection(
  agent: Agent,
  config: Readonly<AgentConfig>,
  host: Host,
  log?: AgentOptions['log'],
): LiveDetection | null {
  const root = config.scan.root;
  const s = config.sources;
  const feeds: EventFeed[] = authFeeds(s.authLog, root, host.id);
  if (s.dnsWatch.enabled) feeds.push(dnsWatchFeed(root, host.id, s.dnsWatch.pollMs));
  if (feeds.length === 0) return null;
  const live = new LiveDetection({
    host: () => agent.currentHost() ?? host,
    detectors: () => [...sshDetectors(), dnsRoutingChange],
    feeds,
    enqueue: (b) => agent.enqueue(b),
    flushMs: s.flushMs,
    ...(log ? { log } : {}),
  });
  agent.attach(live);
  return live;
}
