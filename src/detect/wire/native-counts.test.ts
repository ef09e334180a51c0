import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ACK,
  ethernet,
  ipPacket,
  PSH,
  pcapFile,
  SYN,
  type Tcp,
  tcpPacket,
  udpDatagram,
} from '../../../test/fixtures/pcap/build.js';
import { loadBuiltinPoolIntel } from '../../intel/pools/index.js';
import { readCaptureFile } from '../../sources/pcap/index.js';
import { loadPcapWalkAddon, walkCaptureNative } from '../../sources/pcap/native-walk.js';
import { WireAnalyzer } from './analyzer.js';
import { analyzeCaptureFile } from './capture.js';
import type { DnsWatch } from './dns-watch.js';
import type { Flow } from './flow.js';

// The native walk counts the plain lines of mining flows whose handshake JS has read (native-counts.ts,
// native/pcap_walk_lines.h). These captures mix such lines with everything that must go back to JS (gaps,
// retransmissions, reordering, SYNs, lines split over segments, late handshakes, many method names), and both walks
// must say the same.

const intel = loadBuiltinPoolIntel();
const addon = loadPcapWalkAddon();
const required = process.env.MINEWARDEN_REQUIRE_SERVICES === '1';
const dir = mkdtempSync(join(tmpdir(), 'mw-native-counts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small seeded generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    s ^= s >>> 13;
    return (s >>> 0) / 2 ** 32;
  };
}

const STRATUM_CLIENT = [
  '{"id":1,"method":"mining.subscribe","params":["cgminer/4.10"]}',
  '{"id":1,"method":"mining.subscribe","params":[]}',
  '{"id":2,"method":"mining.authorize","params":["wallet.rig","x"]}',
  '{"id":3,"method":"mining.submit","params":["w","1","0","0","0"]}',
  '{"id":4,"method":"mining.extranonce.subscribe","params":[]}',
  '{"id":5,"method":"mining.suggest_difficulty","params":[8]}',
  '{"id":6,"method":"client.get_version"}',
];
const STRATUM_SERVER = [
  '{"id":null,"method":"mining.notify","params":["1","00","00","00",[],"2","3","4",true]}',
  '{"id":null,"method":"mining.set_difficulty","params":[16]}',
  '{"id":1,"result":[[["mining.notify","ae"]],"08",4],"error":null}',
  '{"id":3,"result":true,"error":null}',
  '{"id":null,"method":"client.reconnect","params":[]}',
];
const MONERO_CLIENT = [
  '{"id":1,"method":"login","params":{"login":"44AFFq5kSiGB","pass":"x","agent":"XMRig/6.21.0"}}',
  '{"id":1,"method":"login","params":{"pass":"x"}}',
  '{"id":2,"method":"submit","params":{"id":"1","job_id":"1","nonce":"0a"}}',
  '{"id":3,"method":"keepalived","params":{"id":"1"}}',
  '{"id":4,"method":"getjob","params":{}}',
];
const MONERO_SERVER = [
  '{"jsonrpc":"2.0","method":"job","params":{"blob":"0707","job_id":"1","target":"b88d0600"}}',
  '{"id":1,"result":{"id":"1","job":{"blob":"07","job_id":"2"},"status":"OK"}}',
  '{"id":2,"result":{"status":"OK"},"error":null}',
  '{"method":"job","params":{"target":"x"}}',
];
const ETH_CLIENT = [
  '{"id":1,"method":"eth_submitLogin","params":["0x9c99d212f7e5"],"worker":"rig1"}',
  '{"id":2,"method":"eth_getWork","params":[]}',
  '{"id":3,"method":"eth_submitHashrate","params":["0x1","0x2"]}',
  '{"id":4,"method":"eth_submitWork","params":["0x1","0x2","0x3"]}',
];
const ODD = [
  '',
  '\r',
  ' ',
  '{"x":1}',
  '{"method":5}',
  '{"method":"__proto__"}',
  '{"method" : "mining.notify"}',
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

const HTTP_CLIENT = [
  'POST / HTTP/1.1\r\nUser-Agent: bfgminer/5.5\r\nAuthorization: Basic dzE6eA==\r\nContent-Length: 44',
  'POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\n{"a":1}\r\n',
  'GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n',
  '\r\n{"method":"getwork","params":[],"id":1}',
  'some body bytes that start nothing',
  '  [1,2,3]',
];
const HTTP_SERVER = [
  'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
  'HTTP/1.1 200 OK\r\nX-Long-Polling: /lp\r\n\r\n{"result":{"data":"00"},"error":null,"id":1}',
  'more response body',
  '<html><body>x</body></html>',
];

/** An HTTP flow: heads, bodies and bytes that start nothing, long enough at times to pass the probe limit. */
function httpMessages(r: () => number): Array<{ server: boolean; line: string }> {
  const out: Array<{ server: boolean; line: string }> = [{ server: false, line: pick(r, HTTP_CLIENT) }];
  const n = 4 + Math.floor(r() * 100);
  // Half the flows are body bytes around the probe limit, then a getwork message: mining only if it came in time.
  if (r() < 0.5) {
    const k = 56 + Math.floor(r() * 12);
    for (let i = 0; i < k; i++) out.push({ server: r() < 0.5, line: 'body bytes that start nothing' });
    out.push({ server: false, line: HTTP_CLIENT[3] as string });
  }
  for (let i = 0; i < n; i++) {
    const server = r() < 0.5;
    out.push({ server, line: pick(r, server ? HTTP_SERVER : HTTP_CLIENT) });
  }
  return out;
}

/** One flow's messages: a handshake first (most of the time), then a mix, some with names of their own. */
function messages(r: () => number, kind: number): Array<{ server: boolean; line: string }> {
  if (kind === 3) return httpMessages(r);
  const [client, server] =
    kind === 0
      ? [STRATUM_CLIENT, STRATUM_SERVER]
      : kind === 1
        ? [MONERO_CLIENT, MONERO_SERVER]
        : [ETH_CLIENT, []];
  const out: Array<{ server: boolean; line: string }> = [];
  if (r() < 0.8) out.push({ server: false, line: client[kind === 0 && r() < 0.5 ? 2 : 0] as string });
  const n = 4 + Math.floor(r() * 40);
  for (let i = 0; i < n; i++) {
    const x = r();
    if (x < 0.01) {
      // Lines longer than the walk holds (64 KiB) and than a line is kept whole (256 KiB: cut).
      const size = pick(r, [40_000, 70_000, 300_000]);
      out.push({
        server: r() < 0.5,
        line: `{"id":7,"method":"mining.notify","params":["${'a'.repeat(size)}"]}`,
      });
    } else if (x < 0.08) out.push({ server: r() < 0.5, line: pick(r, ODD) });
    else if (x < 0.2)
      out.push({ server: r() < 0.5, line: `{"id":${i},"method":"x.m${Math.floor(r() * 40)}"}` });
    else if (x < 0.6 || server.length === 0) out.push({ server: false, line: pick(r, client) });
    else out.push({ server: true, line: pick(r, server) });
  }
  return out;
}

/** The segments of one flow: lines joined into segments, some split mid-line, then mutated in order and content. */
function flowSegments(r: () => number, client: string, server: string, port: number, kind: number): Tcp[] {
  const sport = 30000 + Math.floor(r() * 30000);
  const seqs = [1000 + Math.floor(r() * 1e6), (0xfffff000 + Math.floor(r() * 0x2000)) >>> 0];
  const out: Tcp[] = [];
  const seg = (fromServer: boolean, payload: string, flags = ACK | PSH): Tcp => ({
    src: fromServer ? server : client,
    dst: fromServer ? client : server,
    sport: fromServer ? port : sport,
    dport: fromServer ? sport : port,
    seq: seqs[fromServer ? 1 : 0] as number,
    flags,
    payload,
  });
  if (r() < 0.7) {
    out.push(seg(false, '', SYN));
    out.push(seg(true, '', SYN | ACK));
    seqs[0] = ((seqs[0] as number) + 1) >>> 0;
    seqs[1] = ((seqs[1] as number) + 1) >>> 0;
  }
  const pending: [string, string] = ['', ''];
  const flush = (d: number, all: boolean) => {
    let data = pending[d] as string;
    if (!data) return;
    // Sometimes a segment ends inside a line, the rest coming with the next one.
    let keep = '';
    if (!all && r() < 0.15 && data.length > 4) {
      const at = 1 + Math.floor(r() * (data.length - 1));
      keep = data.slice(at);
      data = data.slice(0, at);
    }
    // Segments of at most one MSS, as long lines really arrive.
    for (let at = 0; at < data.length; at += 1448) {
      const piece = data.slice(at, at + 1448);
      out.push(seg(d === 1, piece));
      seqs[d] = ((seqs[d] as number) + Buffer.byteLength(piece)) >>> 0;
    }
    pending[d] = keep;
  };
  for (const m of messages(r, kind)) {
    const d = m.server ? 1 : 0;
    if (kind === 3) {
      // HTTP: each piece is a segment of its own.
      pending[d] = m.line;
      flush(d, true);
      continue;
    }
    pending[d] += `${m.line}\n`;
    if (r() < 0.6) flush(d, false);
  }
  flush(0, true);
  flush(1, true);
  // Mutations: swapped neighbours, a retransmission (whole or a tail), a lost segment, a SYN mid-stream.
  for (let k = 0; k < 3; k++) {
    const i = Math.floor(r() * out.length);
    const x = r();
    const s = out[i] as Tcp;
    if (x < 0.1 && i + 1 < out.length) [out[i], out[i + 1]] = [out[i + 1] as Tcp, s];
    else if (x < 0.2) out.splice(i, 0, { ...s });
    else if (x < 0.25 && typeof s.payload === 'string' && s.payload.length > 2)
      out.splice(i + 1, 0, { ...s, seq: (s.seq + 1) >>> 0, payload: s.payload.slice(1) });
    else if (x < 0.3) out.splice(i, 1);
    else if (x < 0.33) out.splice(i, 0, { ...s, flags: SYN, payload: '' });
  }
  return out;
}

/** A ClientHello with the given server name (none when empty), its record length cut or not. */
function clientHello(name: string, r: () => number): Buffer {
  const host = Buffer.from(name, 'latin1');
  const sni = host.length
    ? Buffer.concat([Buffer.from([0, 0, 0, host.length + 5, 0, host.length + 3, 0, 0, host.length]), host])
    : Buffer.alloc(0);
  const other = Buffer.from([0, 0x0b, 0, 2, 1, 0]);
  const exts = r() < 0.5 ? Buffer.concat([other, sni]) : Buffer.concat([sni, other]);
  const body = Buffer.concat([
    Buffer.from([3, 3]),
    Buffer.alloc(32, 7),
    Buffer.from([0, 0, 2, 0x13, 0x01, 1, 0]),
    Buffer.from([exts.length >> 8, exts.length & 255]),
    exts,
  ]);
  const hs = Buffer.concat([Buffer.from([1, 0, body.length >> 8, body.length & 255]), body]);
  const len = r() < 0.1 ? hs.length + 40 : hs.length;
  return Buffer.concat([Buffer.from([0x16, 3, 1, len >> 8, len & 255]), hs]);
}

const BITCOIN = Buffer.concat([
  Buffer.from([0xf9, 0xbe, 0xb4, 0xd9]),
  Buffer.from('version\0\0\0\0\0'),
  Buffer.alloc(16),
]);
const LEVIN = Buffer.concat([Buffer.from([1, 0x21, 1, 1, 1, 1, 1, 1]), Buffer.alloc(30, 2)]);

/**
 * A flow whose first payload the walk may decide itself: a ClientHello (whole, split over two segments, without a
 * name, with a pool's name, or cut short) or a P2P greeting, after some segments that show nothing.
 */
function binaryFlow(r: () => number, client: string, server: string, kind: number): Tcp[] {
  const sport = 30000 + Math.floor(r() * 30000);
  const port = kind === 4 ? 443 : 8333;
  let cseq = 1000;
  const out: Tcp[] = [];
  const seg = (fromServer: boolean, payload: Buffer, flags = ACK | PSH): Tcp => {
    const t = {
      src: fromServer ? server : client,
      dst: fromServer ? client : server,
      sport: fromServer ? port : sport,
      dport: fromServer ? sport : port,
      seq: fromServer ? 9000 : cseq,
      flags,
      payload,
    };
    if (!fromServer) cseq += payload.length;
    return t;
  };
  if (r() < 0.5) out.push(seg(false, Buffer.alloc(0), SYN), seg(true, Buffer.alloc(0), SYN | ACK));
  const junk = Math.floor(r() * 8);
  for (let i = 0; i < junk; i++) out.push(seg(r() < 0.5, Buffer.from([0x80 + i, 1, 2, 3])));
  if (kind === 4) {
    const hello = clientHello(pick(r, ['pool.minexmr.com', 'Example.COM', '', 'XMR.Pool.MinerGate.com']), r);
    if (r() < 0.2) {
      const at = 10 + Math.floor(r() * (hello.length - 10));
      out.push(seg(false, hello.subarray(0, at)), seg(false, hello.subarray(at)));
    } else out.push(seg(r() < 0.1, hello));
  } else out.push(seg(r() < 0.2, r() < 0.5 ? BITCOIN : LEVIN));
  for (let i = 0; i < 3; i++) out.push(seg(r() < 0.5, Buffer.from([0x17, 3, 3, 0, 1, i])));
  return out;
}

/** A DNS query or response about `name`, with A and AAAA answers (compressed names) when a response. */
function dnsMessage(name: string, response: boolean, answers: Buffer[]): Buffer {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0x4242, 0);
  head.writeUInt16BE(response ? 0x8180 : 0x0100, 2);
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(response ? answers.length : 0, 6);
  const records = response
    ? answers.map((rdata) => {
        const rr = Buffer.from([
          0xc0,
          12,
          0,
          rdata.length === 4 ? 1 : 28,
          0,
          1,
          0,
          0,
          0,
          60,
          0,
          rdata.length,
        ]);
        return Buffer.concat([rr, rdata]);
      })
    : [];
  return Buffer.concat([head, ...labels, Buffer.from([0, 0, 1, 0, 1]), ...records]);
}

/** Pool-name lookups from a few hosts to two resolvers: answers repeat across names and hosts, some past 16. */
function dnsTraffic(r: () => number, n: number): Buffer[] {
  const names = ['pool.minexmr.com', 'xmr.pool.minergate.com', 'POOL.MineXMR.com', 'example.org'];
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const client = `10.3.0.${1 + Math.floor(r() * 6)}`;
    const resolver = pick(r, ['10.3.0.53', '10.3.1.53']);
    const name = pick(r, names);
    const answers: Buffer[] = [];
    const count = r() < 0.1 ? 20 : Math.floor(r() * 4);
    for (let a = 0; a < count; a++)
      answers.push(
        r() < 0.7
          ? Buffer.from([51, 15, Math.floor(r() * 4), Math.floor(r() * 8)])
          : Buffer.concat([
              Buffer.from([0x20, 1, 0x0d, 0xb8]),
              Buffer.alloc(11),
              Buffer.from([Math.floor(r() * 5)]),
            ]),
      );
    const response = r() < 0.5;
    const [src, dst] = response ? [resolver, client] : [client, resolver];
    out.push(
      ipPacket(
        src,
        dst,
        17,
        udpDatagram(response ? 53 : 5353, response ? 5353 : 53, dnsMessage(name, response, answers)),
      ),
    );
  }
  return out;
}

function capture(seed: number, flows: number): string {
  const r = rng(seed);
  const dns = dnsTraffic(r, flows * 2);
  const packets: Tcp[][] = [];
  for (let f = 0; f < flows; f++) {
    const kind = Math.floor(r() * 6);
    if (kind >= 4) {
      packets.push(binaryFlow(r, `10.2.${f >> 8}.${f & 255}`, `51.16.${f & 255}.9`, kind));
      continue;
    }
    const port = kind === 3 ? 8332 : pick(r, [3333, 4444, 8008]);
    packets.push(flowSegments(r, `10.1.${f >> 8}.${f & 255}`, `51.15.${f & 255}.9`, port, kind));
  }
  // Flows interleave: one segment of a random unfinished flow at a time.
  const recs = [];
  const at = packets.map(() => 0);
  let t = 1_700_000_000_000;
  for (;;) {
    const open = packets.map((_, i) => i).filter((i) => (at[i] as number) < (packets[i] as Tcp[]).length);
    if (open.length === 0) break;
    const i = pick(r, open);
    const p = (packets[i] as Tcp[])[at[i] as number] as Tcp;
    at[i] = (at[i] as number) + 1;
    t += 3;
    recs.push({ frame: ethernet(tcpPacket(p)), timeMs: t });
    const d = r() < 0.4 ? dns.pop() : undefined;
    if (d) {
      t += 1;
      recs.push({ frame: ethernet(d), timeMs: t });
    }
  }
  const path = join(dir, `s${seed}.pcap`);
  writeFileSync(path, pcapFile(recs));
  return path;
}

describe.skipIf(!addon && !required)('lines counted by the native walk', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i: both walks give the same findings and counts', async (seed) => {
    const path = capture(seed, 60);
    const js = await analyzeCaptureFile(path, { intel, walk: 'js' });
    const native = await analyzeCaptureFile(path, { intel, walk: 'auto' });
    expect(native.walk).toBe('native');
    expect(js.findings.length).toBeGreaterThan(20);
    const strip = ({ walk: _w, walkNote: _n, ...rest }: typeof js) => rest;
    expect(strip(native)).toEqual(strip(js));
  });

  /** What classify() left in a flow (identityParses aside: past its limit only JS counts on, to no effect). */
  function rpcOf(f: Flow): unknown {
    const r = f.rpc;
    const ends = `${f.a0}:${f.aPort}-${f.b0}:${f.bPort} ${f.p2p} ${f.sni} ${f.clientDir} ${f.misses}`;
    if (!r) return [ends, f.state, null];
    return [
      ends,
      f.state,
      r.protocol,
      r.messages,
      [...r.methods],
      r.agent,
      r.login,
      r.handshake,
      [r.clientVotesA, r.clientVotesB],
      [r.serverVotesA, r.serverVotesB],
      r.detectedAt,
      r.moneroReply,
      Math.min(r.identityParses, 8),
    ];
  }

  it.each([11, 12, 13, 14])(
    'seed %i: every flow read ends with the same state, counts, votes and methods',
    async (seed) => {
      const path = capture(seed, 80);
      const host = { id: 'h', name: 'h' };
      const js = new WireAnalyzer({ host, intel });
      await readCaptureFile(path, js.onPacket);
      const native = new WireAnalyzer({ host, intel });
      const r = await walkCaptureNative(path, 100_000, native);
      expect(r.walked).toBe(true);
      if (r.walked) native.finishNative(r.counts);
      // Every flow the native walk kept (all it handed over, HTTP probes included) against the JS walk's.
      const kept = [...native.flows.values()].map(rpcOf);
      const ends = new Set(kept.map((k) => (k as string[])[0]));
      const expected = [...js.flows.values()].map(rpcOf).filter((k) => ends.has((k as string[])[0]));
      expect(expected.filter((k) => (k as unknown[])[2]).length).toBeGreaterThan(30);
      expect(kept.sort()).toEqual(expected.sort());
      // The pool-name DNS tally, in order: entries, addresses resolved, and their words.
      const dnsOf = (w: WireAnalyzer) => {
        const d = (w as unknown as { dns: DnsWatch }).dns;
        return [[...d.queries], [...d.resolved], [...d.resolvedV4], d.dropped];
      };
      expect((dnsOf(js)[0] as unknown[]).length).toBeGreaterThan(5);
      expect(dnsOf(native)).toEqual(dnsOf(js));
    },
  );
});
