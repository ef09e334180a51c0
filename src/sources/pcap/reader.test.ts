import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ethernet,
  nullLink,
  pcapFile,
  pcapngFile,
  type Rec,
  sll,
  sll2,
  tcpPacket,
} from '../../../test/fixtures/pcap/build.js';
import { MinewardenError } from '../../model/errors.js';
import { addrText, DECODE_L4, DECODE_SHORT, decodePacket, PacketView } from './decode.js';
import { CaptureStream, readCaptureFile } from './reader.js';

const dir = mkdtempSync(join(tmpdir(), 'mw-pcap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(bytes: Buffer): string {
  const p = join(dir, `c${n++}.pcap`);
  writeFileSync(p, bytes);
  return p;
}

interface Seen {
  tuple: string;
  timeMs: number;
  payload: string;
  link: number;
}

async function read(path: string, chunk?: number) {
  const seen: Seen[] = [];
  const v = new PacketView();
  let short = 0;
  const summary = await readCaptureFile(
    path,
    (buf, off, caplen, _orig, timeMs, link) => {
      const r = decodePacket(buf, off, caplen, link, v);
      if (r === DECODE_SHORT) short++;
      if (r !== DECODE_L4) return;
      const src = addrText(v.family, v.s0, v.s1, v.s2, v.s3);
      const dst = addrText(v.family, v.d0, v.d1, v.d2, v.d3);
      seen.push({
        tuple: `${src}:${v.sport}>${dst}:${v.dport}`,
        timeMs,
        payload: buf.toString('latin1', v.payloadOff, v.payloadOff + v.payloadLen),
        link,
      });
    },
    chunk,
  );
  return { seen, summary, short };
}

const T = 1_700_000_000_123.456;
const v4 = tcpPacket({
  src: '10.1.2.3',
  dst: '192.0.2.9',
  sport: 40000,
  dport: 3333,
  seq: 1,
  payload: 'hi\n',
});
const v6 = tcpPacket({
  src: '2001:db8::1',
  dst: '2001:db8::2',
  sport: 40001,
  dport: 4444,
  seq: 7,
  payload: 'x',
});

describe('capture formats', () => {
  it.each<[string, { bigEndian?: boolean; nano?: boolean }]>([
    ['little-endian microseconds', {}],
    ['big-endian microseconds', { bigEndian: true }],
    ['little-endian nanoseconds', { nano: true }],
    ['big-endian nanoseconds', { bigEndian: true, nano: true }],
  ])('pcap %s: packets, addresses, payload and time', async (_name, opts) => {
    const recs: Rec[] = [
      { frame: ethernet(v4), timeMs: T },
      { frame: ethernet(v6), timeMs: T + 1 },
    ];
    const { seen, summary } = await read(file(pcapFile(recs, opts)));
    expect(summary.stats.packets).toBe(2);
    expect(seen.map((s) => s.tuple)).toEqual([
      '10.1.2.3:40000>192.0.2.9:3333',
      '2001:db8::1:40001>2001:db8::2:4444',
    ]);
    // Ethernet padding (the frame is padded to 60 bytes) must not leak into the payload.
    expect(seen[0]?.payload).toBe('hi\n');
    expect(seen[0]?.timeMs).toBeCloseTo(T, opts.nano ? 5 : 2);
  });

  it('pcapng with several interfaces of different link types and time resolutions, and simple packets', async () => {
    const bytes = pcapngFile(
      [{ linkType: 1 }, { linkType: 101, tsresol: 9 }, { linkType: 113 }],
      [
        { frame: ethernet(v4), timeMs: T, iface: 0 },
        { frame: v6, timeMs: T + 2, iface: 1 },
        { frame: sll(v4), timeMs: T + 3, iface: 2 },
      ],
    );
    const { seen } = await read(file(bytes));
    expect(seen.map((s) => s.link)).toEqual([1, 101, 113]);
    expect(seen[1]?.tuple).toBe('2001:db8::1:40001>2001:db8::2:4444');
    expect(seen[1]?.timeMs).toBeCloseTo(T + 2, 3);
    expect(seen[2]?.timeMs).toBeCloseTo(T + 3, 2);
    const simple = await read(
      file(pcapngFile([{ linkType: 1 }], [{ frame: ethernet(v4), timeMs: T }], { simple: true })),
    );
    expect(simple.seen.map((s) => s.payload)).toEqual(['hi\n']);
  });

  it.each([
    ['Ethernet with stacked VLAN tags', 1, ethernet(v4, [100, 200])],
    ['Linux cooked (SLL)', 113, sll(v4)],
    ['Linux cooked v2 (SLL2)', 276, sll2(v4)],
    ['raw IP', 101, v4],
    ['null/loopback', 0, nullLink(v4)],
  ])('link type %s', async (_name, linkType, frame) => {
    const { seen } = await read(file(pcapFile([{ frame, timeMs: T }], { linkType })));
    expect(seen.map((s) => [s.tuple, s.payload])).toEqual([['10.1.2.3:40000>192.0.2.9:3333', 'hi\n']]);
  });

  it('gives the same packets whatever the chunk size (records straddling chunk boundaries)', async () => {
    const recs: Rec[] = Array.from({ length: 50 }, (_, i) => ({
      frame: ethernet(i % 2 ? v6 : v4),
      timeMs: T + i,
    }));
    const path = file(pcapFile(recs));
    const whole = await read(path);
    for (const chunk of [64, 97, 1000]) expect((await read(path, chunk)).seen).toEqual(whole.seen);
    const stream = new CaptureStream('pipe', () => {});
    const bytes = pcapngFile([{ linkType: 1 }], recs);
    for (let i = 0; i < bytes.length; i += 7) stream.write(bytes.subarray(i, i + 7));
    expect(stream.finish().stats.packets).toBe(50);
  });
});

describe('hostile captures', () => {
  const good = pcapFile([
    { frame: ethernet(v4), timeMs: T },
    { frame: ethernet(v4), timeMs: T + 1 },
  ]);

  it('wrong magic: one MinewardenError naming the file and offset', async () => {
    const path = file(Buffer.from('GIF89a this is not a capture at all'));
    const err = await readCaptureFile(path, () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MinewardenError);
    expect((err as MinewardenError).code).toBe('MW_INPUT_PARSE');
    expect((err as MinewardenError).message).toContain(path);
    expect((err as MinewardenError).message).toContain('byte offset 0');
  });

  it('truncated file: the packets before the cut, and where the cut is', async () => {
    const cut = good.subarray(0, good.length - 10);
    const { summary } = await read(file(cut));
    expect(summary.stats.packets).toBe(1);
    expect(summary.truncated).toEqual({ offset: 24 + 16 + 60, missing: 10 });
  });

  it('a pcapng block length of 4 GiB is refused without allocating it', async () => {
    const bytes = Buffer.from(pcapngFile([{ linkType: 1 }], [{ frame: ethernet(v4), timeMs: T }]));
    const epbAt = bytes.length - (12 + 20 + 60);
    bytes.writeUInt32LE(0xfffffffc, epbAt + 4);
    const path = file(bytes);
    const err = (await readCaptureFile(path, () => {}).catch((e: unknown) => e)) as MinewardenError;
    expect(err.code).toBe('MW_INPUT_PARSE');
    expect(err.message).toContain(`byte offset ${epbAt}`);
    expect(err.message).toContain('4294967292');
  });

  it('a pcap record claiming 4 GiB is refused with its offset', async () => {
    const bytes = Buffer.from(good);
    bytes.writeUInt32LE(0xffffffff, 24 + 8);
    const err = (await readCaptureFile(file(bytes), () => {}).catch((e: unknown) => e)) as MinewardenError;
    expect(err.message).toContain('byte offset 24');
  });

  it('zero-length packets and snaplen shorter than the headers are counted, not fatal', async () => {
    const recs: Rec[] = [
      { frame: ethernet(v4), timeMs: T, caplen: 0 },
      { frame: ethernet(v4), timeMs: T, caplen: 20 },
      { frame: ethernet(v4), timeMs: T },
    ];
    const { summary, short, seen } = await read(file(pcapFile(recs, { snaplen: 20 })));
    expect(summary.stats.zeroLength).toBe(1);
    expect(short).toBe(1);
    expect(seen).toHaveLength(1);
  });

  it('random garbage after a valid header never throws anything but MinewardenError', async () => {
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 255;
    };
    const v = new PacketView();
    for (let round = 0; round < 200; round++) {
      const body = Buffer.from(Array.from({ length: 2000 }, rnd));
      const bytes = Buffer.concat([
        round % 2 ? good.subarray(0, 24) : pcapngFile([{ linkType: 1 }], []),
        body,
      ]);
      const stream = new CaptureStream('fuzz', (buf, off, caplen, _o, _t, link) => {
        decodePacket(buf, off, caplen, link, v);
      });
      try {
        stream.write(bytes);
        stream.finish();
      } catch (e) {
        expect(e).toBeInstanceOf(MinewardenError);
      }
    }
  });
});

const SHARED = resolve(import.meta.dirname, '../../../../shared/data/pcaps');
function realCaptures(d: string): string[] {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? realCaptures(join(d, e.name)) : /\.pcap(ng)?$/.test(e.name) ? [join(d, e.name)] : [],
  );
}
const haveTshark = (() => {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!haveTshark && process.env.MINEWARDEN_REQUIRE_SERVICES !== '1')(
  'real captures against tshark',
  () => {
    // One of each format and link type (tshark takes ~1 s per file to start, so not all of them).
    const picked = realCaptures(SHARED).filter((p) =>
      /mining\.pcapng|stratum\.pcap|coinhive|ndpi\/dns\.pcap|tls-alpn|http\.pcapng/.test(p),
    );
    it('picked the variety', () => expect(picked).toHaveLength(6));
    it.each(picked)('%s: same packet count and timestamps as tshark', async (path) => {
      const theirs = execFileSync('tshark', ['-r', path, '-T', 'fields', '-e', 'frame.time_epoch'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .trim()
        .split('\n')
        .map((s) => Number(s) * 1000);
      const times: number[] = [];
      const summary = await readCaptureFile(path, (_b, _o, _c, _l, t) => times.push(t));
      expect(summary.stats.packets).toBe(theirs.length);
      for (const [i, t] of times.entries()) expect(Math.abs(t - (theirs[i] ?? 0))).toBeLessThan(0.01);
    });
  },
);
