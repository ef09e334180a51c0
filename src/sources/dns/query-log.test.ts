import { describe, expect, it } from 'vitest';
import { DnsQueryLogParser } from './query-log.js';

const ref = new Date(2026, 10, 26, 12).getTime();

describe('DNS query logs', () => {
  it('dnsmasq log-queries: query and reply lines', () => {
    const p = new DnsQueryLogParser({ referenceTime: ref });
    const q = p.parseLine(
      'Nov 26 10:00:01 gw dnsmasq[812]: query[A] gulf.moneroocean.stream from 192.168.1.23',
    );
    expect(q?.fields).toMatchObject({
      'dns.query': 'gulf.moneroocean.stream',
      'dns.type': 'A',
      'source.ip': '192.168.1.23',
    });
    expect(q?.kind).toBe('dns');
    expect(new Date(q?.time ?? 0).getHours()).toBe(10);
    expect(
      p.parseLine('Nov 26 10:00:01 gw dnsmasq[812]: forwarded gulf.moneroocean.stream to 1.1.1.1'),
    ).toBeNull();
    const r = p.parseLine('Nov 26 10:00:01 gw dnsmasq[812]: reply gulf.moneroocean.stream is 203.0.113.80');
    expect(r?.fields['dns.answers']).toEqual(['203.0.113.80']);
    expect(p.parseLine('Nov 26 10:00:01 gw dnsmasq[812]: reply x.example is <CNAME>')).toBeNull();
    expect(p.stats).toMatchObject({ queries: 1, replies: 1 });
  });

  it('BIND query log, file channel and syslog forms', () => {
    const p = new DnsQueryLogParser({ referenceTime: ref });
    const file = p.parseLine(
      '26-Nov-2026 10:00:02.123 queries: info: client @0x7f3a2c0b8f68 10.0.0.5#53422 (xmr.pool.example.NET): query: xmr.pool.example.NET IN AAAA +E(0)K (10.0.0.1)',
    );
    expect(file?.fields).toMatchObject({
      'dns.query': 'xmr.pool.example.net',
      'dns.type': 'AAAA',
      'source.ip': '10.0.0.5',
      'source.port': 53422,
    });
    expect(file?.time).toBe(new Date(2026, 10, 26, 10, 0, 2, 123).getTime());
    const sys = p.parseLine(
      'Nov 26 10:00:03 ns1 named[900]: client 10.0.0.6#40000: query: a.example IN A + (10.0.0.1)',
    );
    expect(sys?.fields).toMatchObject({
      'dns.query': 'a.example',
      'source.ip': '10.0.0.6',
      'log.hostname': 'ns1',
    });
  });

  it('hostile lines are skipped', () => {
    const p = new DnsQueryLogParser({ referenceTime: ref });
    expect(
      p.parseLine(`Nov 26 10:00:01 gw dnsmasq[1]: query[A] ${'a'.repeat(9000)} from 1.2.3.4`),
    ).toBeNull();
    expect(p.parseLine('Nov 26 10:00:01 gw dnsmasq[1]: query[A] bad\u0000name from 1.2.3.4')).toBeNull();
    expect(p.stats.skipped).toBe(2);
  });
});
