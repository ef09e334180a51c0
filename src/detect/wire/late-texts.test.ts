import { hash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type Entity, type Finding, findingId, findingIdKey } from '../../model/finding.js';
import { loadPcapWalkAddon } from '../../sources/pcap/native-walk.js';
import { LateTexts } from './late-texts.js';
import { isoTime } from './report-text.js';

const addon = loadPcapWalkAddon();
const requireAddon = process.env['MINEWARDEN_REQUIRE_SERVICES'] === '1';

const ENTITIES: Entity[] = [
  { kind: 'connection', ip: '185.71.67.39', port: 9999, name: 'tcp 10.0.0.1:49307 -> 185.71.67.39:9999' },
  { kind: 'connection', ip: '2001:db8::1', port: 0, name: 'tcp [2001:db8::2]:1 -> [2001:db8::1]:0' },
  { kind: 'source-ip', ip: '10.0.3.15', name: 'la01.supportxmr.com' },
  // Names from the wire: escapes, non-ASCII, lone surrogates (UTF-8 writes U+FFFD for those), separators.
  { kind: 'source-ip', ip: '10.0.3.15', name: 'caf\u00e9.\\032pool\u0000x\ud800y\udc00\ud83d\ude00' },
  {
    kind: 'process',
    pid: 42,
    startTime: '2024-01-01T00:00:00.000Z',
    exe: '/usr/bin/xmrig',
    path: '/tmp/x',
    container: 'c1',
  },
];

/** Times around every boundary isoTime handles, and past them (hostile capture timestamps). */
const TIMES = [
  0,
  0.4,
  0.999,
  999,
  1000,
  59_999.9,
  86_399_999,
  86_400_000,
  951_782_400_000,
  1_700_000_000_123.456,
  1_704_067_199_999,
  1_704_067_200_000,
  4_102_444_800_000,
  253_402_300_799_999,
  253_402_300_800_000,
  8.64e15,
  -1,
  Number.NaN,
  8.64e15 + 1,
  Number.POSITIVE_INFINITY,
];
for (let t = 1_600_000_000_000; t < 1_900_000_000_000; t += 7_777_777_777.777) TIMES.push(t);

function draft(entity: Entity, i: number): Finding {
  return {
    ruleId: i % 2 ? 'wire.mining.stratum' : 'wire.dns.pool-domain',
    title: 't',
    severity: 'high',
    confidence: 0.9,
    category: 'impact',
    techniques: [],
    entity,
    evidence: { firstSeen: '', lastSeen: '', other: i },
    recommendation: 'r',
    id: '',
    host: { id: i % 3 ? 'pcap:a.pcap' : 'pcap:\u00fc\ud800.pcap', name: 'a.pcap' },
    time: '',
  };
}

describe('LateTexts', () => {
  it('has the addon to test when services are required', () => {
    if (requireAddon)
      expect(addon, 'build/Release/pcap_walk.node (npm run build of the addons)').not.toBeNull();
  });

  it('builds the key findingId hashes', () => {
    for (const e of ENTITIES)
      for (const host of ['pcap:a.pcap', 'pcap:\u00fc\ud800.pcap'])
        expect(`f-${hash('sha256', findingIdKey(host, 'wire.mining.stratum', e), 'hex').slice(0, 24)}`).toBe(
          findingId(host, 'wire.mining.stratum', e),
        );
  });

  for (const [label, source] of [
    ['the addon', addon],
    ['JavaScript alone', null],
  ] as const)
    it(`fills in ids and times as findingId and isoTime give them, with ${label}`, () => {
      if (label === 'the addon' && source === null) return;
      const late = new LateTexts(source);
      const made: Finding[] = [];
      let k = 0;
      for (let i = 0; i < 60; i++) {
        const f = draft(ENTITIES[i % ENTITIES.length] as Entity, i);
        late.add(
          f,
          TIMES[k % TIMES.length] as number,
          TIMES[(k + 1) % TIMES.length] as number,
          // Every fifth finding is timed at its first packet, as most flow findings are.
          TIMES[(i % 5 === 0 ? k : k + 2) % TIMES.length] as number,
        );
        k += 3;
        made.push(f);
      }
      late.fill();
      k = 0;
      for (const f of made) {
        expect(f.id).toBe(findingId(f.host.id, f.ruleId, f.entity));
        expect(f.evidence['firstSeen']).toBe(isoTime(TIMES[k % TIMES.length] as number));
        expect(f.evidence['lastSeen']).toBe(isoTime(TIMES[(k + 1) % TIMES.length] as number));
        const i = made.indexOf(f);
        expect(f.time).toBe(isoTime(TIMES[(i % 5 === 0 ? k : k + 2) % TIMES.length] as number));
        // The keys stay where the finding had them.
        expect(Object.keys(f.evidence)).toEqual(['firstSeen', 'lastSeen', 'other']);
        k += 3;
      }
    });

  it('formats times natively as Date#toISOString does in the four-digit-year range', () => {
    if (addon === null) return;
    const times: number[] = [];
    for (const t of TIMES) if (t >= 0 && t < 253_402_300_800_000) times.push(t);
    // Every day of a leap-year span, at odd times of day.
    for (let d = 0; d < 1500; d++)
      times.push(946_684_800_000 + d * 86_400_000 + ((d * 7_919_371) % 86_400_000));
    const text = addon.isoTimes(new Float64Array(times));
    for (const [i, t] of times.entries())
      expect(text.slice(i * 24, i * 24 + 24), String(t)).toBe(new Date(t).toISOString());
  });
});
