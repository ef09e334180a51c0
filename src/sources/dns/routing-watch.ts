import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TelemetryEvent } from '../../model/event.js';

/** Files that decide where names resolve: a change here can send every lookup, or one pool's, somewhere else. */
export const DNS_ROUTING_FILES: readonly string[] = [
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/nsswitch.conf',
  '/etc/host.conf',
  '/etc/systemd/resolved.conf',
  '/etc/dnsmasq.conf',
];
export const DNS_ROUTING_DIRS: readonly string[] = [
  '/etc/systemd/resolved.conf.d',
  '/etc/dnsmasq.d',
  '/etc/NetworkManager/dnsmasq.d',
];

const MAX_CONTENT = 256 * 1024;
const MAX_DIR_FILES = 200;

interface Seen {
  content: string | null;
  truncated: boolean;
}

/**
 * Watches the DNS routing files under a root by content, polled: `poll()` returns one `file` event per file that
 * appeared, changed or vanished since the last poll, carrying the old and the new content. The first poll only
 * records the baseline. Contents are capped so a huge file cannot exhaust memory.
 */
export class DnsRoutingWatch {
  private readonly seen = new Map<string, Seen>();
  private baseline = false;

  constructor(
    private readonly root = '/',
    private readonly hostId = 'localhost',
  ) {}

  private paths(): string[] {
    const out = [...DNS_ROUTING_FILES];
    for (const d of DNS_ROUTING_DIRS) {
      try {
        const names = readdirSync(join(this.root, d))
          .filter((n) => !n.startsWith('.'))
          .sort()
          .slice(0, MAX_DIR_FILES);
        for (const n of names) out.push(`${d}/${n}`);
      } catch {
        // A directory that does not exist has nothing to watch.
      }
    }
    for (const p of this.seen.keys()) if (!out.includes(p)) out.push(p);
    return out;
  }

  private read(path: string): Seen {
    try {
      const full = join(this.root, path);
      const st = statSync(full);
      if (!st.isFile()) return { content: null, truncated: false };
      const buf = readFileSync(full);
      const truncated = buf.length > MAX_CONTENT;
      return { content: buf.subarray(0, MAX_CONTENT).toString('utf8'), truncated };
    } catch {
      return { content: null, truncated: false };
    }
  }

  poll(now = Date.now()): TelemetryEvent[] {
    const events: TelemetryEvent[] = [];
    for (const path of this.paths()) {
      const cur = this.read(path);
      const prev = this.seen.get(path);
      this.seen.set(path, cur);
      if (!this.baseline || (prev?.content ?? null) === cur.content) continue;
      const action = prev?.content == null ? 'create' : cur.content === null ? 'delete' : 'change';
      events.push({
        kind: 'file',
        time: now,
        hostId: this.hostId,
        source: 'dns-routing-watch',
        fields: {
          'file.path': path,
          'file.action': action,
          'file.previousContent': prev?.content ?? null,
          'file.content': cur.content,
        },
      });
    }
    this.baseline = true;
    return events;
  }
}
