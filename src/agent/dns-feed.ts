import { DnsRoutingWatch } from '../sources/dns/index.js';
import type { EventFeed } from './agent.js';

/**
 * The DNS routing watch as a live feed: resolv.conf, hosts, nsswitch, resolved and dnsmasq config under the scan
 * root, compared by content every `pollMs`. The first look is the baseline; each later change is one event.
 */
export function dnsWatchFeed(root: string, hostId: string, pollMs: number): EventFeed {
  const watch = new DnsRoutingWatch(root, hostId);
  let timer: NodeJS.Timeout | null = null;
  let polls = 0;
  let changes = 0;
  return {
    name: 'dns-routing-watch',
    start(push) {
      const tick = () => {
        polls++;
        for (const e of watch.poll()) {
          changes++;
          push(e);
        }
      };
      tick();
      timer = setInterval(tick, pollMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
    status() {
      return { mode: 'poll', root, pollMs, polls, changes };
    },
  };
}
