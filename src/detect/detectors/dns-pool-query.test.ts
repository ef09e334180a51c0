import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBuiltinPoolIntel, loadPoolList } from '../../intel/pools/index.js';
import { PoolIntel } from '../../intel/pools/pool-intel.js';
import { DnsQueryLogParser } from '../../sources/dns/index.js';
import { DetectionEngine } from '../engine.js';
import { dnsPoolQuery } from './dns-pool-query.js';

const IPS = resolve(
  import.meta.dirname,
  '../../../../shared/data/pools/coinblockerlists/MiningServerIPList.txt',
);

describe('dns.pool-query', () => {
  const intel = PoolIntel.merge(loadBuiltinPoolIntel(), loadPoolList(IPS));
  const run = (lines: string[]) => {
    const p = new DnsQueryLogParser({ referenceTime: Date.UTC(2026, 10, 26) });
    const engine = new DetectionEngine([dnsPoolQuery(intel)], { id: 'gw', name: 'gw' });
    for (const l of lines) {
      const e = p.parseLine(l);
      if (e) engine.process(e);
    }
    return engine.results();
  };

  it('flags a client resolving a pool (by suffix), once per client and name', () => {
    const f = run([
      'Nov 26 10:00:01 gw dnsmasq[1]: query[A] pool.supportxmr.com from 192.168.1.23',
      'Nov 26 10:00:02 gw dnsmasq[1]: query[AAAA] pool.supportxmr.com from 192.168.1.23',
      'Nov 26 10:00:03 gw dnsmasq[1]: query[A] www.debian.org from 192.168.1.23',
    ]);
    expect(f.map((x) => [x.ruleId, x.entity.ip, x.evidence.matched])).toEqual([
      ['dns.pool-query', '192.168.1.23', 'supportxmr.com'],
    ]);
  });

  it('flags an answer that is a listed pool address', () => {
    const f = run(['Nov 26 10:00:01 gw dnsmasq[1]: reply innocent.example is 1.31.173.33']);
    expect(f[0]?.evidence).toMatchObject({ matched: '1.31.173.33', matchKind: 'ip' });
  });
});
