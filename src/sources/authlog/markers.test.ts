import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TelemetryEvent } from '../../model/event.js';
import { ByteLineSplitter } from './byte-lines.js';
import { MarkerScan } from './markers.js';
import { loadAuthLogWalk, W_MARKED, WALK_RECORD } from './native-walk.js';
import { readAuthLogBatches } from './read-file.js';

const LOGHUB = resolve(import.meta.dirname, '../../../../shared/data/sshlogs/loghub/OpenSSH/OpenSSH_2k.log');
const MARKERS = [' query[', ': query: ', 'dnsmasq[', ' reply '];

/** Real auth lines with DNS query lines and near misses mixed in, some marker halves split across lines. */
function mixed(n: number): string[] {
  const auth = readFileSync(LOGHUB, 'utf8').split('\n').filter(Boolean);
  const extra = [
    'Nov 26 10:00:01 gw dnsmasq[1]: query[A] la01.supportxmr.com from 192.168.1.23',
    'Nov 26 10:00:01 gw dnsmasq[1]: reply la01.supportxmr.com is 1.2.3.4',
    'Nov 26 10:00:02 ns named[9]: client @0x7f 10.0.0.5#53422 (a.example): query: a.example IN A +E(0)K (10.0.0.1)',
    'Nov 26 10:00:03 gw dnsmasq',
    '[1]: query',
    'Nov 26 10:00:04 h sshd[5]: Invalid user reply from 192.0.2.9 port 22',
    'Nov 26 10:00:04 h sshd[5]: Invalid user  reply  from 192.0.2.9 port 22',
    'Nov 26 10:00:05 h sshd[6]: Failed password for ünï query[x from 192.0.2.8 port 1 ssh2',
  ];
  let seed = 11;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  return Array.from({ length: n }, () =>
    rnd() < 0.2
      ? (extra[Math.floor(rnd() * extra.length)] as string)
      : (auth[Math.floor(rnd() * auth.length)] as string),
  );
}

describe('MarkerScan', () => {
  it('answers what a search of each line would, across chunks of one reused buffer and joined lines', () => {
    const lines = mixed(20_000);
    const bytes = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    const scan = new MarkerScan(MARKERS);
    const got: boolean[] = [];
    const splitter = new ByteLineSplitter(1 << 16);
    const sink = { line: (b: Buffer, s: number, e: number) => got.push(scan.has(b, s, e)) };
    // Odd chunk sizes into one reused buffer, as the file reader does: the scan must not trust buffer identity.
    const reused = Buffer.alloc(4093);
    for (let at = 0; at < bytes.length; at += reused.length) {
      const n = bytes.copy(reused, 0, at, at + reused.length);
      const chunk = n === reused.length ? reused : reused.subarray(0, n);
      scan.begin(chunk);
      splitter.push(chunk, sink);
    }
    splitter.end(sink);
    const want = lines.map((l) => MARKERS.some((m) => l.includes(m)));
    expect(want.filter(Boolean).length).toBeGreaterThan(1000);
    expect(got).toEqual(want);
  });

  it('refuses markers it cannot find byte for byte', () => {
    expect(() => new MarkerScan(['ü'])).toThrow(RangeError);
    expect(() => new MarkerScan([''])).toThrow(RangeError);
  });
});

const walk = loadAuthLogWalk();

describe('the native line walk with markers', () => {
  it.skipIf(!walk && process.env.MINEWARDEN_REQUIRE_SERVICES !== '1')(
    'marks the lines MarkerScan.has would, markers at line edges and before a CR included',
    () => {
      const edges = [
        'x reply ',
        ' reply x',
        ' reply',
        'reply ',
        ' reply \r',
        'dnsmasq[',
        'dnsmasq',
        ': query:',
        'q',
      ];
      const lines = [...mixed(5000), ...edges];
      const bytes = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
      const scan = new MarkerScan(MARKERS);
      scan.begin(bytes);
      const spec = scan.spec();
      expect(spec).toBeDefined();
      const out = new Int32Array(WALK_RECORD * lines.length);
      expect(walk?.(bytes, 0, bytes.length, 1 << 16, out, spec)).toBe(lines.length);
      const got = lines.map((_, k) => out[k * WALK_RECORD + W_MARKED] === 1);
      expect(got).toEqual(lines.map((l) => MARKERS.some((m) => l.includes(m))));
      expect(got.filter(Boolean).length).toBeGreaterThan(500);
    },
  );
});

describe('readAuthLogBatches with divertMarkers', () => {
  it('gives the same events and diverts the same lines as a divert that sees every line', async () => {
    // Over 256 KiB, so the reader's chunk boundaries and carried lines are crossed.
    const lines = mixed(40_000);
    const file = join(mkdtempSync(join(tmpdir(), 'mw-markers-')), 'mixed.log');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const run = async (withMarkers: boolean) => {
      const seen: string[] = [];
      const divert = (l: string): TelemetryEvent | null | undefined => {
        if (!MARKERS.some((m) => l.includes(m))) return undefined;
        seen.push(l);
        return l.includes(' reply ')
          ? null
          : { kind: 'dns', time: 0, hostId: 'x', source: 't', fields: { l } };
      };
      const events: TelemetryEvent[] = [];
      const opts = { hostId: 'x', divert, ...(withMarkers ? { divertMarkers: MARKERS } : {}) };
      for await (const b of readAuthLogBatches(file, opts)) events.push(...b);
      return { seen, events };
    };
    const all = await run(false);
    const marked = await run(true);
    expect(all.seen.length).toBeGreaterThan(4000);
    expect(all.events.filter((e) => e.kind === 'auth').length).toBeGreaterThan(10_000);
    expect(marked.seen).toEqual(all.seen);
    expect(marked.events).toEqual(all.events);
  });
});
