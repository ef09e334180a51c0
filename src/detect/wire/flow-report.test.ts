import { describe, expect, it } from 'vitest';
import { type ParsedNet, PoolIntel, parseNet } from '../../intel/pools/index.js';
import { PacketView } from '../../sources/pcap/decode.js';
import { DnsWatch } from './dns-watch.js';
import { Flow } from './flow.js';
import {
  Ipv4PoolCache,
  isoTime,
  mayReport,
  mayReportPlainV4,
  methodCounts,
  type ReportContext,
} from './flow-report.js';

describe('isoTime', () => {
  it('writes what Date#toISOString writes, for whole and fractional milliseconds across days and years', () => {
    const samples = [
      0, 0.4, 0.999, 999, 1000, 59_999.9, 86_399_999, 86_400_000, 951_782_400_000, 1_700_000_000_123.456,
      1_704_067_199_999, 1_704_067_200_000, 4_102_444_800_000, 253_402_300_799_999,
    ];
    // A walk with a stride that is not a divisor of any unit, so every field takes many values.
    for (let t = 1_600_000_000_000; t < 1_900_000_000_000; t += 7_777_777_777.777) samples.push(t);
    for (const t of samples) expect(isoTime(t), String(t)).toBe(new Date(t).toISOString());
  });

  it('gives each time its own text when times go back and forth within and across seconds', () => {
    const base = 1_700_000_000_000;
    const offsets = [0, 999.9, 1, 1000, 999, -1, -1000, -1001, 500, 1500, 1499.5, 1000, 0, 86_400_000, 999];
    for (const o of offsets) expect(isoTime(base + o), String(o)).toBe(new Date(base + o).toISOString());
  });

  it('shows times outside the four-digit-year range as Date does, and impossible ones as the epoch', () => {
    expect(isoTime(253_402_300_800_000)).toBe(new Date(253_402_300_800_000).toISOString());
    expect(isoTime(8.64e15)).toBe(new Date(8.64e15).toISOString());
    for (const bad of [-1, Number.NaN, 8.64e15 + 1, Number.POSITIVE_INFINITY])
      expect(isoTime(bad)).toBe('1970-01-01T00:00:00.000Z');
  });
});

describe('methodCounts', () => {
  it('gives what Object.fromEntries gives, also for method names that are object internals', () => {
    const m = new Map<string, number>([
      ['mining.notify', 3],
      ['__proto__', 2],
      ['constructor', 1],
      ['7', 4],
      ['toString', 5],
    ]);
    const counts = methodCounts(m);
    expect(counts).toEqual(Object.fromEntries(m));
    expect(JSON.stringify(counts)).toBe(JSON.stringify(Object.fromEntries(m)));
    expect(Object.getPrototypeOf(counts)).toBe(Object.prototype);
  });
});

describe('Ipv4PoolCache', () => {
  it('answers as intel.lookupIp does, for addresses in and around listed IPv4 networks of many lengths', () => {
    const texts = [
      '203.0.113.7',
      '198.51.100.0/24',
      '10.128.0.0/9',
      '192.0.2.128/25',
      '::ffff:192.0.2.5',
      '0.0.0.0/0',
      '2001:db8::/32',
      '255.255.255.255',
    ];
    const lists = [texts, texts.filter((t) => t !== '0.0.0.0/0'), ['2001:db8::/32'], []];
    for (const list of lists) {
      const intel = new PoolIntel();
      intel.addPack(
        { list: 'test', version: '1', date: '', source: 'test' },
        [{ domain: 'pool.example' }],
        list.map((text) => ({ net: parseNet(text) as ParsedNet, text })),
      );
      const cache = new Ipv4PoolCache();
      const words = [0, -1, 0x7f000001, 0xcb007107 | 0, 0xc6336400 | 0, 0xc63364ff | 0, 0xc6336500 | 0];
      words.push(0x0a800000, 0x0affffff, 0x0a7fffff, 0xc0000280 | 0, 0xc000027f | 0, 0xc0000205 | 0);
      for (let i = 0; i < 2000; i++) words.push((Math.imul(i, 0x9e3779b1) ^ (i << 7)) | 0);
      for (const w of words) {
        const text = `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
        expect(cache.isPool(intel, w), `${list.length} ${text}`).toBe(intel.lookupIp(text) !== null);
      }
    }
  });
});

describe('mayReportPlainV4', () => {
  it('answers as mayReport does for IPv4 flows whose payload told nothing', () => {
    const intel = new PoolIntel();
    intel.addPack(
      { list: 'test', version: '1', date: '', source: 'test' },
      [{ domain: 'pool.example' }],
      ['198.51.100.0/24', '203.0.113.7'].map((text) => ({ net: parseNet(text) as ParsedNet, text })),
    );
    for (const withIntel of [true, false])
      for (const resolved of [[], [0xc0000205 | 0, 0x0a000001]]) {
        const dns = new DnsWatch(withIntel ? intel : null);
        for (const w of resolved) {
          const text = `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
          dns.resolved.set(text, {
            name: 'pool.example',
            match: { indicator: 'pool.example', kind: 'domain', list: 'test' },
          });
          dns.resolvedV4.add(w);
        }
        const ctx: ReportContext = {
          host: { id: 'h', name: 'h' },
          intel: withIntel ? intel : null,
          dns,
          minerPorts: new Set([3333]),
          poolByIp: new Map(),
          poolV4: new Ipv4PoolCache(),
        };
        const words = [0xc6336407 | 0, 0xcb007107 | 0, 0xc0000205 | 0, 0x0a000001, 0x0a000002, 0x7f000001];
        const ports = [3333, 443, 50000, 80];
        for (const a of words)
          for (const b of words)
            for (const ap of ports)
              for (const bp of ports)
                for (const clientDir of [-1, 0, 1]) {
                  const v = new PacketView();
                  v.family = 4;
                  v.s0 = a;
                  v.d0 = b;
                  v.sport = ap;
                  v.dport = bp;
                  const flow = new Flow(0, v, 0);
                  flow.clientDir = clientDir;
                  expect(
                    mayReportPlainV4(ctx, a, b, ap, bp, clientDir),
                    `${a} ${b} ${ap} ${bp} ${clientDir}`,
                  ).toBe(mayReport(flow, ctx));
                }
      }
  });
});
