import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DnsRoutingWatch } from './routing-watch.js';

describe('DNS routing watch', () => {
  it('baseline first, then one event per changed, new or removed file with old and new content', () => {
    const root = mkdtempSync(join(tmpdir(), 'mw-dnsw-'));
    mkdirSync(join(root, 'etc/dnsmasq.d'), { recursive: true });
    writeFileSync(join(root, 'etc/resolv.conf'), 'nameserver 10.0.0.1\n');
    writeFileSync(join(root, 'etc/hosts'), '127.0.0.1 localhost\n');
    const w = new DnsRoutingWatch(root, 'h1');
    expect(w.poll(1)).toEqual([]);
    expect(w.poll(2)).toEqual([]);
    writeFileSync(join(root, 'etc/resolv.conf'), 'nameserver 203.0.113.53\n');
    writeFileSync(join(root, 'etc/dnsmasq.d/evil.conf'), 'server=/supportxmr.com/203.0.113.9\n');
    rmSync(join(root, 'etc/hosts'));
    const events = w.poll(3);
    const byPath = Object.fromEntries(events.map((e) => [e.fields['file.path'], e.fields]));
    expect(byPath['/etc/resolv.conf']).toMatchObject({
      'file.action': 'change',
      'file.previousContent': 'nameserver 10.0.0.1\n',
      'file.content': 'nameserver 203.0.113.53\n',
    });
    expect(byPath['/etc/dnsmasq.d/evil.conf']).toMatchObject({
      'file.action': 'create',
      'file.previousContent': null,
    });
    expect(byPath['/etc/hosts']).toMatchObject({ 'file.action': 'delete', 'file.content': null });
    expect(events).toHaveLength(3);
    expect(w.poll(4)).toEqual([]);
  });
});
