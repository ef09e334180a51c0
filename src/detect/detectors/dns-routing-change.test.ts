import { describe, expect, it } from 'vitest';
import type { TelemetryEvent } from '../../model/event.js';
import { dnsRoutingChange } from './dns-routing-change.js';

const ev = (path: string, before: string | null, after: string | null): TelemetryEvent => ({
  kind: 'file',
  time: 0,
  hostId: 'h',
  source: 'dns-routing-watch',
  fields: {
    'file.path': path,
    'file.action': 'change',
    'file.previousContent': before,
    'file.content': after,
  },
});

describe('dns.routing-change', () => {
  it('a new nameserver is high, with the file, old and new content and the changed lines', () => {
    const hit = dnsRoutingChange.detect(
      ev('/etc/resolv.conf', 'nameserver 10.0.0.1\n', 'nameserver 203.0.113.53\n'),
    );
    expect(hit).toMatchObject({
      severity: 'high',
      entity: { kind: 'config', path: '/etc/resolv.conf' },
      evidence: {
        added: ['nameserver 203.0.113.53'],
        removed: ['nameserver 10.0.0.1'],
        oldContent: 'nameserver 10.0.0.1\n',
      },
    });
  });

  it('a hosts entry is medium; files outside DNS routing are ignored', () => {
    const hit = dnsRoutingChange.detect(
      ev('/etc/hosts', '127.0.0.1 localhost\n', '127.0.0.1 localhost\n0.0.0.0 security.debian.org\n'),
    );
    expect(hit && !Array.isArray(hit) ? hit.severity : 'none').toBeUndefined();
    expect(dnsRoutingChange.detect(ev('/etc/passwd', 'a', 'b'))).toBeNull();
  });
});
