import { describe, expect, it } from 'vitest';
import { loadBuiltinPoolIntel, poolIntelFromText } from '../../intel/pools/index.js';
import type { EventFields, TelemetryEvent } from '../../model/event.js';
import { netPoolConnection } from './net-pool-connection.js';

function conn(fields: EventFields): TelemetryEvent {
  return { kind: 'connection', time: 1_700_000_000_000, hostId: 'h', source: 'test', fields };
}

describe('net.pool-connection', () => {
  const d = netPoolConnection(loadBuiltinPoolIntel());

  it('matches a connection whose host name is a pool subdomain, on the process', () => {
    const hit = d.detect(
      conn({
        'destination.hostname': 'pool.supportxmr.com',
        'destination.ip': '203.0.113.7',
        'destination.port': 3333,
        'network.initiated': true,
        'process.pid': 42,
        'process.exe': '/usr/local/bin/svc',
      }),
    );
    expect(hit).toMatchObject({
      entity: { kind: 'connection', ip: '203.0.113.7', port: 3333, pid: 42, name: 'pool.supportxmr.com' },
      evidence: { matched: 'supportxmr.com', matchKind: 'domain' },
    });
  });

  it('matches a pool address from an IP list, weaker on a web port', () => {
    const { intel } = poolIntelFromText('198.51.100.0/24\n', { list: 'test', source: 'test' });
    const hit = netPoolConnection(intel).detect(
      conn({ 'destination.ip': '198.51.100.20', 'destination.port': 443, 'network.initiated': true }),
    );
    expect(hit).toMatchObject({ severity: 'high', evidence: { matchKind: 'cidr' } });
  });

  it('ignores other hosts, look-alike names and inbound connections', () => {
    expect(
      d.detect(conn({ 'destination.hostname': 'supportxmr.com.example.org', 'destination.port': 3333 })),
    ).toBeNull();
    expect(
      d.detect(conn({ 'destination.hostname': 'registry.npmjs.org', 'destination.port': 443 })),
    ).toBeNull();
    expect(
      d.detect(conn({ 'destination.hostname': 'pool.supportxmr.com', 'network.initiated': false })),
    ).toBeNull();
  });
});
