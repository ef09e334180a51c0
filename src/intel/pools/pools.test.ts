import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { domainToASCII } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadBuiltinPoolIntel, loadPoolList, PoolIntel, parseListText, readPoolList } from './index.js';

const POOLS = resolve(import.meta.dirname, '../../../../shared/data/pools');
const p = (f: string): string => resolve(POOLS, f);

/** Entries as the list's own README describes them: non-blank lines that are not comments. */
function rawEntries(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^[#![]/.test(l));
}

describe('curated pool intel', () => {
  const intel = loadBuiltinPoolIntel();

  it('matches by label suffix, case-insensitively, ignoring a trailing dot', () => {
    expect(intel.lookupDomain('la01.supportxmr.com')?.indicator).toBe('supportxmr.com');
    expect(intel.lookupDomain('POOL.SupportXMR.com.')?.indicator).toBe('supportxmr.com');
    expect(intel.lookupDomain('rx.unmineable.com')).toMatchObject({
      indicator: 'unmineable.com',
      list: 'builtin',
    });
    expect(intel.lookupDomain('donate.v2.xmrig.com')?.kind).toBe('domain');
  });

  it('does not match look-alikes or the pool name inside another domain', () => {
    expect(intel.lookupDomain('notsupportxmr.com')).toBeNull();
    expect(intel.lookupDomain('supportxmr.com.example.net')).toBeNull();
    expect(intel.lookupDomain('xmrig.com')).toBeNull();
    expect(intel.lookupDomain('com')).toBeNull();
    expect(intel.lookupDomain('')).toBeNull();
    expect(intel.lookupDomain('.')).toBeNull();
  });

  it('carries a version and an ISO date', () => {
    expect(intel.version).toMatch(/\S/);
    expect(intel.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(intel.packs[0]?.stats.domains).toBeGreaterThan(40);
  });

  it("covers Falco's miner domains through suffixes", () => {
    const falco = rawEntries(p('falco_miner_domains.txt'));
    const missed = falco.filter((d) => intel.lookupDomain(d) === null);
    // Falco lists pool hosts; ours lists the pools' registered domains, so nearly all must match.
    expect(missed.length / falco.length).toBeLessThan(0.15);
  });
});

describe('pool list loaders on real lists', () => {
  it('plain: CoinBlockerLists list.txt, every entry', () => {
    // One entry has a label starting with '-', which is not a valid host name: it is skipped and counted.
    const invalid = 'xmr.-eu1.nanopool.org';
    const entries = rawEntries(p('coinblockerlists/list.txt')).filter((d) => d !== invalid);
    const load = readPoolList(p('coinblockerlists/list.txt'));
    expect(load.format).toBe('plain');
    expect(load.entries).toBe(entries.length);
    expect(load.skippedSamples.map((s) => s.text)).toEqual([invalid]);
    for (const d of entries) {
      const ascii = domainToASCII(d.replace(/:\d+$/, ''));
      expect(load.intel.lookupDomain(ascii)?.list, d).toBe('list.txt');
    }
    expect(load.intel.lookupDomain('x.y.10k.suprnova.cc')).not.toBeNull();
  });

  it('hosts: CoinBlockerLists hosts holds the same domains as list.txt', () => {
    const load = readPoolList(p('coinblockerlists/hosts'));
    expect(load.format).toBe('hosts');
    expect(load.intel.date).toBe('05 06 2018 00:34');
    const plain = readPoolList(p('coinblockerlists/list.txt')).intel;
    const fromHosts = new Set([...load.intel.indicators()].map((m) => m.indicator));
    expect(fromHosts).toEqual(new Set([...plain.indicators()].map((m) => m.indicator)));
  });

  it('hosts: NoCoin hosts.txt', () => {
    const entries = rawEntries(p('nocoin/hosts.txt'));
    const load = readPoolList(p('nocoin/hosts.txt'));
    expect(load.format).toBe('hosts');
    for (const line of entries) {
      const name = line.split(/\s+/)[1] ?? '';
      expect(load.intel.lookupDomain(name), line).not.toBeNull();
    }
  });

  it('IP list: CoinBlockerLists MiningServerIPList.txt', () => {
    const entries = rawEntries(p('coinblockerlists/MiningServerIPList.txt'));
    const load = readPoolList(p('coinblockerlists/MiningServerIPList.txt'));
    expect(load.format).toBe('ip');
    expect(load.intel.packs[0]?.stats.ips).toBe(new Set(entries).size);
    for (const ip of entries) expect(load.intel.lookupIp(ip)?.indicator).toBe(ip);
    expect(load.intel.lookupIp(`::ffff:${entries[0]}`)?.indicator).toBe(entries[0]);
  });

  it('Adblock: NoCoin nocoin.txt keeps host rules and skips path and cosmetic rules', () => {
    const load = readPoolList(p('nocoin/nocoin.txt'));
    expect(load.format).toBe('adblock');
    expect(load.intel.version).toBe('227');
    expect(load.intel.lookupDomain('eu.2miners.com')?.indicator).toBe('2miners.com');
    const hostRules = rawEntries(p('nocoin/nocoin.txt')).filter((l) => /^\|\|[^/^$*]+\^/.test(l));
    for (const rule of hostRules) {
      const host = rule.slice(2, rule.indexOf('^'));
      expect(load.intel.lookup(host), rule).not.toBeNull();
    }
    expect(load.skipped).toBeGreaterThan(0);
    expect(load.intel.lookupDomain('coinhive.min.js')).toBeNull();
  });

  it('Adblock (uBlock syntax): CoinBlockerLists list_browser_UBO.txt', () => {
    const load = readPoolList(p('coinblockerlists/list_browser_UBO.txt'));
    expect(load.entries).toBeGreaterThan(600);
    expect(load.intel.lookupDomain('0x1f4b0.com')).not.toBeNull();
  });

  it('a list of cosmetic filters only has no indicators: one clear error naming the file', () => {
    expect(() => loadPoolList(p('nocoin/nocoin-ublock.txt'))).toThrow(
      /nocoin-ublock\.txt.*no domain, IP or CIDR/,
    );
  });

  it('a missing file is an input error', () => {
    expect(() => loadPoolList(p('does-not-exist.txt'))).toThrow(/does-not-exist/);
  });
});

describe('IP and CIDR matching', () => {
  const load = parseListText('10.1.0.0/16\n192.0.2.7\n2001:db8::/32\n2001:db8:1::5\n::ffff:198.51.100.1\n');
  it('parses each line kind', () => {
    expect(load.entries.map((e) => e.kind)).toEqual(['cidr', 'ip', 'cidr', 'ip', 'ip']);
  });
  const intel = new PoolIntel();
  intel.addPack(
    { list: 't', version: '1', date: '2026-01-01', source: 'inline' },
    [],
    load.entries.flatMap((e) => (e.kind === 'domain' ? [] : [{ net: e.net, text: e.text }])),
  );
  it('matches v4 and v6, exact and by prefix, most specific first', () => {
    expect(intel.lookupIp('10.1.200.3')?.indicator).toBe('10.1.0.0/16');
    expect(intel.lookupIp('10.2.0.1')).toBeNull();
    expect(intel.lookupIp('192.0.2.7')?.kind).toBe('ip');
    expect(intel.lookupIp('192.0.2.8')).toBeNull();
    expect(intel.lookupIp('2001:db8:1:0:0:0:0:5')?.indicator).toBe('2001:db8:1::5');
    expect(intel.lookupIp('2001:DB8:ffff::1')?.indicator).toBe('2001:db8::/32');
    expect(intel.lookupIp('2001:db9::1')).toBeNull();
    expect(intel.lookupIp('198.51.100.1')?.indicator).toBe('::ffff:198.51.100.1');
    expect(intel.lookupIp('not-an-ip')).toBeNull();
    expect(intel.lookupIp('1.2.3.256')).toBeNull();
  });
});

describe('merging and hostile lists', () => {
  it('merge keeps every pack and the first pack wins an indicator', () => {
    const a = loadBuiltinPoolIntel();
    const b = loadPoolList(p('falco_miner_domains.txt'), { list: 'falco' });
    const m = PoolIntel.merge(a, b);
    expect(m.packs.map((x) => x.list)).toEqual(['builtin', 'falco']);
    expect(m.lookupDomain('xmr.nanopool.org')?.list).toBe('builtin');
    // The most specific listed suffix wins: Falco lists the host, we list the pool's domain.
    expect(m.lookupDomain('btm.antpool.com')?.list).toBe('falco');
    expect(m.lookupDomain('other.antpool.com')?.list).toBe('builtin');
    const union = new Set([...a.indicators(), ...b.indicators()].map((x) => x.indicator));
    expect(m.size).toBe(union.size);
  });

  it('binary garbage, a huge line and single labels are skipped and counted, not fatal', () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)).toString('latin1');
    const text = `${garbage}\nlocalhost\n${'a'.repeat(1 << 20)}.com\ngood.example.org\n0.0.0.0 0.0.0.0\n`;
    const r = parseListText(text);
    expect(r.entries.map((e) => (e.kind === 'domain' ? e.domain : e.text))).toEqual(['good.example.org']);
    expect(r.skipped).toBeGreaterThanOrEqual(2);
    expect(r.skippedSamples.every((s) => s.text.length <= 200)).toBe(true);
  });
});
