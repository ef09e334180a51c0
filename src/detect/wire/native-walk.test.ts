import { mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  conversation,
  ethernet,
  ipPacket,
  nullLink,
  pcapFile,
  pcapngFile,
  type Rec,
  sll,
  sll2,
  tcpPacket,
  tcpSegment,
  udpDatagram,
} from '../../../test/fixtures/pcap/build.js';
import { loadBuiltinPoolIntel } from '../../intel/pools/index.js';
import { loadPcapWalkAddon, nativeWalkProblem, walkCaptureNative } from '../../sources/pcap/native-walk.js';
import { WireAnalyzer } from './analyzer.js';
import { analyzeCaptureFile, type CaptureReport } from './capture.js';

const PCAPS = resolve(import.meta.dirname, '../../../../shared/data/pcaps');
const intel = loadBuiltinPoolIntel();
const addon = loadPcapWalkAddon();
const required = process.env.MINEWARDEN_REQUIRE_SERVICES === '1';
const dir = mkdtempSync(join(tmpdir(), 'mw-native-walk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function captures(d: string): string[] {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? captures(join(d, e.name)) : /\.pcap(ng)?$/.test(e.name) ? [join(d, e.name)] : [],
  );
}

let n = 0;
function file(bytes: Buffer): string {
  const p = join(dir, `c${n++}.pcap`);
  writeFileSync(p, bytes);
  return p;
}

type Outcome = { report: Omit<CaptureReport, 'walk' | 'walkNote'> } | { error: string };

async function outcome(
  path: string,
  walk: 'auto' | 'js',
  maxFlows?: number,
): Promise<Outcome & { walk?: string }> {
  try {
    const {
      walk: used,
      walkNote: _note,
      ...report
    } = await analyzeCaptureFile(path, {
      intel,
      walk,
      ...(maxFlows ? { maxFlows } : {}),
    });
    return { report, walk: used };
  } catch (e) {
    return { error: `${(e as { code?: string }).code}: ${(e as Error).message}` };
  }
}

/** Both walks on one file: the same findings, warnings, skip counts and statistics, or the same error. */
async function expectSame(path: string, maxFlows?: number): Promise<Outcome> {
  const js = await outcome(path, 'js', maxFlows);
  const native = await outcome(path, 'auto', maxFlows);
  if ('report' in native && !maxFlows) expect(native.walk).toBe('native');
  const { walk: _a, ...a } = js;
  const { walk: _b, ...b } = native;
  expect(b).toEqual(a);
  return a;
}

const T = 1_700_000_000_000;
const LOGIN =
  '{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A","pass":"x","agent":"XMRig/6.21.0","algo":["rx/0"]}}\n';
const JOB = '{"jsonrpc":"2.0","method":"job","params":{"blob":"0707","job_id":"1","target":"b88d0600"}}\n';
const SUBMIT = '{"id":2,"jsonrpc":"2.0","method":"submit","params":{"id":"1","job_id":"1","nonce":"0a"}}\n';

/** Mining and benign flows with handshakes, DNS, IPv6 and fragments, on the given link framing. */
function mixedTraffic(frame: (ip: Buffer) => Buffer): Rec[] {
  const msgs = [{ from: 'client' as const, data: LOGIN }];
  for (let i = 0; i < 30; i++) msgs.push({ from: 'client', data: i % 2 ? SUBMIT : JOB });
  const packets = [
    ...conversation('192.168.1.5', '51.15.55.162', 3333, msgs).map(tcpPacket),
    ...conversation('fd00::5', 'fd00::99', 14444, msgs.slice(0, 5)).map(tcpPacket),
    ...conversation('192.168.1.5', '93.184.216.34', 80, [
      { from: 'client', data: 'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n' },
      { from: 'server', data: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' },
    ]).map(tcpPacket),
    ipPacket('192.168.1.5', '8.8.8.8', 17, udpDatagram(5353, 53, dnsQuery('pool.minexmr.com'))),
    ipPacket('192.168.1.5', '8.8.8.8', 17, udpDatagram(5353, 53, dnsQuery('example.org'))),
    ipPacket('192.168.1.5', '8.8.8.8', 1, Buffer.alloc(8)),
  ];
  return packets.map((p, i) => ({ frame: frame(p), timeMs: T + i * 7.5 }));
}

function dnsQuery(name: string): Buffer {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0x1234, 0);
  head.writeUInt16BE(0x0100, 2);
  head.writeUInt16BE(1, 4);
  return Buffer.concat([head, ...labels, Buffer.from([0, 0, 1, 0, 1])]);
}

describe.skipIf(!addon && !required)('native capture walk gives what the JS walk gives', () => {
  it('the addon is built', () => {
    expect(addon, nativeWalkProblem()).not.toBeNull();
  });

  it.each(captures(PCAPS))('%s', async (path) => {
    const r = await expectSame(path);
    expect('report' in r).toBe(true);
  });

  it.each([
    ['Ethernet', 1, (ip: Buffer) => ethernet(ip)],
    ['Ethernet with two VLAN tags', 1, (ip: Buffer) => ethernet(ip, [10, 20])],
    ['Linux SLL', 113, sll],
    ['Linux SLL2', 276, sll2],
    ['BSD null', 0, nullLink],
    ['raw IP', 101, (ip: Buffer) => ip],
  ] as const)('synthetic mixed traffic on %s (pcap and pcapng)', async (_name, linkType, frame) => {
    const recs = mixedTraffic(frame);
    const a = await expectSame(file(pcapFile(recs, { linkType })));
    expect('report' in a && a.report.findings.length).toBeGreaterThan(0);
    await expectSame(file(pcapFile(recs, { linkType, bigEndian: true, nano: true })));
    await expectSame(file(pcapngFile([{ linkType, tsresol: 9 }], recs)));
    await expectSame(file(pcapngFile([{ linkType }], recs, { simple: true })));
  });

  it("JSON lines with the method key in awkward places: the walk's payload marks read as findMethod reads", async () => {
    const odd = [
      '{"x":1}\n{"id":1,"method":"mining.subscribe","params":["cgminer/4.10"]}\n',
      '{"id":2,"method" : \t"mining.authorize","params":["w.1","x"]}\n{"id":3,"method":"mining.submit"}\n',
      '{"id":4,"method"\n:"mining.notify"}\n{"id":5,"method":"mining.ping"}\n',
      '{"id":6,"method":5}\n{"id":7,"method":"mining.submit"}\n{"id":8,"result":true}\n',
      `{"id":9,"method":"${'m'.repeat(70)}"}\n{"id":10,"method":"mining.extranonce.subscribe"}\n`,
      '{"id":11,"result":null,"error":null}\n{"id":12,"params":[],"method":"mining.submit"}\n{"method":',
      '"mining.notify","params":[]}\n{"id":13,"method":"mining.set_difficulty","params":[1]}\n',
      '{"id":14,"method":"mining.suggest_difficulty"',
      '}\n{"id":15, "method" :"login", "params":{"login":"x"}}\n\n{"method":"__proto__"}\n',
    ];
    const msgs = odd.map((data, i) => ({
      from: i % 3 === 2 ? ('server' as const) : ('client' as const),
      data,
    }));
    const recs = conversation('10.0.0.5', '10.0.0.9', 3333, msgs)
      .map(tcpPacket)
      .map((p, i) => ({ frame: ethernet(p), timeMs: T + i }));
    const r = await expectSame(file(pcapFile(recs)));
    expect('report' in r && r.report.findings.length).toBeGreaterThan(0);
  });

  describe('hostile captures: same skip counts, same errors', () => {
    const good = pcapFile(mixedTraffic((ip) => ethernet(ip)));
    const ng = pcapngFile(
      [{ linkType: 1 }],
      mixedTraffic((ip) => ethernet(ip)),
    );

    it('not a capture, empty, and too short for a header', async () => {
      for (const bytes of [
        Buffer.from('GIF89a this is not a capture at all'),
        Buffer.alloc(0),
        Buffer.from([0xd4, 0xc3]),
        good.subarray(0, 10),
        ng.subarray(0, 8),
      ]) {
        const r = await expectSame(file(bytes));
        expect('error' in r || r.report.capture.truncated !== null).toBe(true);
      }
    });

    it('truncated files, cut at every point of the last records', async () => {
      for (const [bytes, from] of [
        [good, good.length - 200],
        [ng, ng.length - 200],
      ] as const)
        for (let cut = from; cut < bytes.length; cut += 3) await expectSame(file(bytes.subarray(0, cut)));
    });

    it('4 GiB pcapng block and pcap record lengths, and a bad trailer', async () => {
      const b1 = Buffer.from(ng);
      b1.writeUInt32LE(0xfffffffc, ng.length - 200 - ((ng.length - 200) % 4));
      const b2 = Buffer.from(good);
      b2.writeUInt32LE(0xffffffff, 24 + 8);
      const b3 = Buffer.from(ng);
      b3.writeUInt32LE(12345, b3.length - 4);
      for (const b of [b1, b2, b3]) expect('error' in (await expectSame(file(b)))).toBe(true);
    });

    it('zero-length packets, snaplen shorter than the headers, unsupported link types, malformed blocks', async () => {
      const recs: Rec[] = mixedTraffic((ip) => ethernet(ip)).map((r, i) => ({
        ...r,
        ...(i % 5 === 0 ? { caplen: 0 } : i % 5 === 1 ? { caplen: 20 } : i % 5 === 2 ? { caplen: 40 } : {}),
      }));
      const r = await expectSame(file(pcapFile(recs, { snaplen: 40 })));
      expect('report' in r && r.report.warnings.length).toBeGreaterThan(0);
      await expectSame(file(pcapngFile([{ linkType: 1 }], recs)));
      await expectSame(file(pcapFile(recs, { linkType: 147 })));
      const multi = pcapngFile(
        [{ linkType: 1 }, { linkType: 147 }, { linkType: 101 }],
        recs.map((x, i) => ({ ...x, iface: i % 3, ...(i % 3 === 2 ? { frame: x.frame.subarray(14) } : {}) })),
      );
      await expectSame(file(multi));
      // An EPB naming an interface that does not exist, and one too short to hold its header.
      const bad = Buffer.from(ng);
      const firstEpb = 28 + 20;
      bad.writeUInt32LE(7, firstEpb + 8);
      await expectSame(file(bad));
    });

    it('random garbage after a valid header', async () => {
      let seed = 7;
      const rnd = () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed & 255;
      };
      for (let round = 0; round < 60; round++) {
        const body = Buffer.from(Array.from({ length: 3000 }, rnd));
        const head = round % 2 ? good.subarray(0, 24) : pcapngFile([{ linkType: 1 }], []);
        await expectSame(file(Buffer.concat([head, body])));
      }
    });

    it('random bytes written over real records (headers and lengths that still frame)', async () => {
      let seed = 99;
      const rnd = (k: number) => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed % k;
      };
      for (let round = 0; round < 60; round++) {
        const b = Buffer.from(round % 2 ? good : ng);
        for (let k = 0; k < 20; k++) b[40 + rnd(b.length - 40)] = rnd(256);
        await expectSame(file(b));
      }
    });
  });

  it('DNS: case, escaped bytes, compression pointers, answers and mutated messages count and match alike', async () => {
    const answer = (q: Buffer, ip: number[]) => {
      const r = Buffer.from(q);
      r.writeUInt16BE(0x8180, 2);
      r.writeUInt16BE(1, 6);
      // Name pointer to the question (offset 12), type A, class IN, TTL, 4 bytes.
      return Buffer.concat([r, Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...ip])]);
    };
    const names = [
      'POOL.MineXMR.com',
      'pool.minexmr.com',
      'xmr.2miners.com',
      'a\\b.example',
      'we ird.example.org',
    ];
    const msgs: Buffer[] = [];
    for (const name of names) {
      const q = dnsQuery(name);
      msgs.push(q, answer(q, [51, 15, 55, 162]));
    }
    let seed = 5;
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % k;
    };
    for (let i = 0; i < 300; i++) {
      const m = Buffer.from(msgs[rnd(msgs.length)] as Buffer);
      for (let k = 0; k < 1 + rnd(3); k++) m[rnd(m.length)] = rnd(4) === 0 ? 0xc0 : rnd(256);
      msgs.push(rnd(5) === 0 ? m.subarray(0, rnd(m.length)) : m);
    }
    const recs: Rec[] = msgs.map((m, i) => ({
      frame: ethernet(ipPacket('192.168.1.5', '8.8.8.8', 17, udpDatagram(40000 + i, 53, m))),
      timeMs: T + i,
    }));
    const r = await expectSame(file(pcapFile(recs)));
    expect('report' in r && r.report.wire.dnsMessages).toBeGreaterThan(20);
    expect('report' in r && r.report.findings.some((f) => f.ruleId === 'wire.dns.pool-domain')).toBe(true);
  });

  it('a segment larger than the hand-over buffer (an IPv6 jumbogram) reaches JS whole', async () => {
    const big = `${JSON.stringify({ id: 1, method: 'login', params: { login: 'x', pass: 'y', agent: 'XMRig/6.21.0', pad: 'a'.repeat(300_000) } })}\n`;
    const l4 = tcpSegment({
      src: 'fd00::5',
      dst: 'fd00::99',
      sport: 40000,
      dport: 3333,
      seq: 1,
      payload: big,
    });
    const head = ipPacket('fd00::5', 'fd00::99', 6, Buffer.alloc(20)).subarray(0, 40);
    head.writeUInt16BE(0, 4); // payload length 0: a jumbogram, sized by the capture
    const seg = Buffer.concat([head, l4]);
    const recs: Rec[] = [{ frame: ethernet(seg), timeMs: T }, ...mixedTraffic((ip) => ethernet(ip))];
    const r = await expectSame(file(pcapFile(recs)));
    const jumbo =
      'report' in r
        ? r.report.findings.filter(
            (f) => f.evidence['serverPort'] === 3333 && f.evidence['server'] === 'fd00::99',
          )
        : [];
    expect(jumbo.map((f) => [f.ruleId, f.evidence['server']])).toEqual([['wire.mining.stratum', 'fd00::99']]);
  });

  it('a file cut short while it is read ends like a truncated file (no fault on the missing bytes)', async () => {
    const recs = mixedTraffic((ip) => ethernet(ip));
    const many: Rec[] = [];
    for (let i = 0; i < 1200; i++) many.push(...recs);
    const bytes = pcapFile(many);
    expect(bytes.length).toBeGreaterThan(8 * 1024 * 1024);
    const path = file(bytes);
    const a = new WireAnalyzer({ host: { id: 'h', name: 'h' }, intel });
    let cut = false;
    const sink = {
      flowOpened: (...x: Parameters<WireAnalyzer['flowOpened']>) => {
        if (!cut) truncateSync(path, 5 * 1024 * 1024 + 3);
        cut = true;
        a.flowOpened(...x);
      },
      flowSegment: (...x: Parameters<WireAnalyzer['flowSegment']>) => a.flowSegment(...x),
      dnsMessage: (...x: Parameters<WireAnalyzer['dnsMessage']>) => a.dnsMessage(...x),
      isPoolName: (name: string) => a.isPoolName(name),
      countingState: (...x: Parameters<WireAnalyzer['countingState']>) => a.countingState(...x),
      flowCounts: (...x: Parameters<WireAnalyzer['flowCounts']>) => a.flowCounts(...x),
      nativeMethods: a.nativeMethods,
      batch: a.batch,
    };
    const r = await walkCaptureNative(path, 100_000, sink);
    expect(r.walked && r.summary.bytesRead).toBe(5 * 1024 * 1024 + 3);
    expect(r.walked && r.summary.truncated?.offset).toBeLessThan(5 * 1024 * 1024 + 3);
  });

  it('past --max-flows the JS walk runs (it closes flows out), with the same result', async () => {
    const path = captures(PCAPS).find((p) => p.endsWith('mining.pcapng')) as string;
    const native = await outcome(path, 'auto', 2);
    expect(native.walk).toBe('js');
    await expectSame(path, 2);
  });
});
