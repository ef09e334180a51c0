import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ACK, ethernet, PSH, pcapFile, SYN, type Tcp, tcpPacket } from '../../../test/fixtures/pcap/build.js';
import { loadBuiltinPoolIntel } from '../../intel/pools/index.js';
import { readCaptureFile } from '../../sources/pcap/index.js';
import { loadPcapWalkAddon, walkCaptureNative } from '../../sources/pcap/native-walk.js';
import { WireAnalyzer } from './analyzer.js';
import { analyzeCaptureFile } from './capture.js';
import type { Flow } from './flow.js';

// The native walk counts the segments of HTTP mining flows JS has recognised (native/pcap_walk_http.h), each on its
// own as readHttpSegment reads it. These captures mix what it counts with everything that must go back to JS or
// that it must read exactly as JS does: heads split over segments, pipelined requests, retransmissions, chunked and
// Content-Length bodies, late user agents and logins, mining headers of every spelling, bodies that end inside the
// method key, long heads, many method names. Both walks must say the same.

const intel = loadBuiltinPoolIntel();
const addon = loadPcapWalkAddon();
const required = process.env.MINEWARDEN_REQUIRE_SERVICES === '1';
const dir = mkdtempSync(join(tmpdir(), 'mw-native-http-'));
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

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

const METHODS = [
  'getwork',
  'getblocktemplate',
  'submitblock',
  'getwork',
  'mining.authorize',
  'login',
  'eth_getWork',
  'x.unknown',
  'a'.repeat(70),
];
const EXTRA_HEADERS = [
  'X-Mining-Extensions: midstate rollntime',
  'x-long-polling: /lp',
  'X-Stratum: stratum+tcp://pool.example:3333',
  ' X-Mining-Hashrate : 1200 ',
  'X-Mining-Extensions:',
  `X-Long-Polling: /${'p'.repeat(200)}`,
  `X-Stratum${' '.repeat(3)}: tcp://a`,
  'X-Mining-Extensions: caf\xe9',
  `${'X'.repeat(300)}: long name`,
  ' User-Agent: cgminer/4.9 (folded)',
  'user-agent: bfgminer/5.5',
  'Authorization: Basic dzE6eA==',
  'authorization: basic Ym9iOnB3',
  'Authorization: Bearer abc',
  'Accept: */*',
  'Host: pool.example:8332',
  'Content-Type: application/json',
];

/** A JSON-RPC body, sometimes cut inside its method key (JS then reads a byte past the segment). */
function body(r: () => number, id: number): string {
  const m = r() < 0.05 ? `m${Math.floor(r() * 40)}` : pick(r, METHODS);
  const x = r();
  if (x < 0.03) return '{"id":1,"method"';
  if (x < 0.06) return '{"id":1,"method" :  ';
  if (x < 0.3) return `{"result":{"data":"00ff"},"error":null,"id":${id}}`;
  if (x < 0.35) return '  [1,2,3]';
  return `{"method":"${m}","params":[],"id":${id}}`;
}

function head(r: () => number, request: boolean, bodyLen: number): string {
  const lines = [
    request ? pick(r, ['POST / HTTP/1.1', 'GET /lp HTTP/1.1', 'POST /rpc HTTP/1.0']) : 'HTTP/1.1 200 OK',
  ];
  const n = r() < 0.03 ? 70 : Math.floor(r() * 5);
  for (let i = 0; i < n; i++) lines.push(pick(r, EXTRA_HEADERS));
  if (r() < 0.02) lines.push(`X-Filler: ${'f'.repeat(9000)}`);
  if (r() < 0.2) lines.push('Transfer-Encoding: chunked');
  else lines.push(`Content-Length: ${bodyLen}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** One HTTP message as the pieces it arrives in: head and body together or apart, a head split, a chunked body. */
function message(r: () => number, request: boolean, id: number): string[] {
  const b = body(r, id);
  const chunked = r() < 0.1;
  const payload = chunked ? `${b.length.toString(16)}\r\n${b}\r\n0\r\n\r\n` : b;
  const h = head(r, request, payload.length);
  const x = r();
  if (x < 0.4) return [h + payload];
  if (x < 0.7) return [h, payload];
  if (x < 0.8) {
    const at = 1 + Math.floor(r() * (h.length - 1));
    return [h.slice(0, at), h.slice(at) + payload];
  }
  if (x < 0.9 && payload.length > 4) {
    const at = 1 + Math.floor(r() * (payload.length - 1));
    return [h + payload.slice(0, at), payload.slice(at)];
  }
  return [h + payload, ''];
}

/** The segments of one HTTP flow: a mining request first (mostly), then exchanges, some pipelined, then mutated. */
function httpFlow(r: () => number, client: string, server: string): Tcp[] {
  const sport = 30000 + Math.floor(r() * 30000);
  const seqs = [1000 + Math.floor(r() * 1e6), (0xfffff000 + Math.floor(r() * 0x2000)) >>> 0];
  const out: Tcp[] = [];
  const seg = (fromServer: boolean, payload: string, flags = ACK | PSH): void => {
    const data = Buffer.from(payload, 'latin1');
    out.push({
      src: fromServer ? server : client,
      dst: fromServer ? client : server,
      sport: fromServer ? 8332 : sport,
      dport: fromServer ? sport : 8332,
      seq: seqs[fromServer ? 1 : 0] as number,
      flags,
      payload: data,
    });
    seqs[fromServer ? 1 : 0] = ((seqs[fromServer ? 1 : 0] as number) + data.length) >>> 0;
  };
  if (r() < 0.6) {
    seg(false, '', SYN);
    seg(true, '', SYN | ACK);
    seqs[0] = ((seqs[0] as number) + 1) >>> 0;
    seqs[1] = ((seqs[1] as number) + 1) >>> 0;
  }
  // The first request: with or without agent and login, so some are learnt late (from a later head).
  const first = [
    'POST / HTTP/1.1',
    ...(r() < 0.6 ? ['User-Agent: cgminer/4.10.0'] : []),
    ...(r() < 0.5 ? ['Authorization: Basic d29ya2VyMTp4'] : []),
    'Content-Type: application/json',
  ];
  const m = pick(r, ['getwork', 'getblocktemplate']);
  const b = `{"method":"${m}","params":[],"id":0}`;
  seg(false, `${first.join('\r\n')}\r\nContent-Length: ${b.length}\r\n\r\n${r() < 0.5 ? b : ''}`);
  if (out.length > 0 && r() < 0.5) seg(false, b);
  const n = 2 + Math.floor(r() * 30);
  for (let i = 1; i <= n; i++) {
    const req = message(r, true, i);
    if (r() < 0.15) {
      // Pipelined: the next request follows in the same segment.
      const next = message(r, true, i + 1000);
      req.push(`${req.pop() ?? ''}${next.join('')}`);
    }
    for (const p of req) if (p) seg(false, p);
    for (const p of message(r, false, i)) if (p) seg(true, p);
    if (r() < 0.05) seg(r() < 0.5, 'bytes that start nothing');
  }
  // Mutations: retransmissions (whole or a tail), swapped neighbours, a lost segment, a SYN mid-flow.
  for (let k = 0; k < 4; k++) {
    const i = Math.floor(r() * out.length);
    const s = out[i] as Tcp;
    const x = r();
    const p = s.payload as Buffer;
    if (x < 0.35) out.splice(i, 0, { ...s });
    else if (x < 0.5 && p.length > 2)
      out.splice(i + 1, 0, { ...s, seq: (s.seq + 1) >>> 0, payload: p.subarray(1) });
    else if (x < 0.65 && i + 1 < out.length) [out[i], out[i + 1]] = [out[i + 1] as Tcp, s];
    else if (x < 0.8) out.splice(i, 1);
    else if (x < 0.85) out.splice(i, 0, { ...s, flags: SYN, payload: Buffer.alloc(0) });
    else if (x < 0.9) out.splice(i, 0, { ...s, flags: SYN | ACK });
  }
  return out;
}

function capture(seed: number, flows: number): string {
  const r = rng(seed);
  const packets = Array.from({ length: flows }, (_, f) =>
    httpFlow(r, `10.4.${f >> 8}.${f & 255}`, `51.17.${f & 255}.9`),
  );
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
  }
  const path = join(dir, `h${seed}.pcap`);
  writeFileSync(path, pcapFile(recs));
  return path;
}

/** What readHttpSegment and classify() left in a flow (identityParses aside, as in native-counts.test.ts). */
function rpcOf(f: Flow): unknown {
  const r = f.rpc;
  const ends = `${f.a0}:${f.aPort}-${f.b0}:${f.bPort} ${f.clientDir}`;
  if (!r) return [ends, f.state, null];
  return [
    ends,
    f.state,
    r.protocol,
    r.messages,
    [...r.methods],
    r.agent,
    r.httpAgent,
    r.login,
    r.handshake,
    [r.clientVotesA, r.clientVotesB],
    [r.serverVotesA, r.serverVotesB],
    r.detectedAt,
    Math.min(r.identityParses, 8),
  ];
}

describe.skipIf(!addon && !required)('HTTP mining segments counted by the native walk', () => {
  it.each([1, 2, 3, 4, 5, 6])('seed %i: both walks give the same findings and counts', async (seed) => {
    const path = capture(seed, 50);
    const js = await analyzeCaptureFile(path, { intel, walk: 'js' });
    const native = await analyzeCaptureFile(path, { intel, walk: 'auto' });
    expect(native.walk).toBe('native');
    expect(js.findings.length).toBeGreaterThan(20);
    const strip = ({ walk: _w, walkNote: _n, ...rest }: typeof js) => rest;
    expect(strip(native)).toEqual(strip(js));
  });

  it.each([11, 12, 13, 14, 15, 16])(
    'seed %i: every HTTP flow ends with the same state, counts, votes, agent, login and methods',
    async (seed) => {
      const path = capture(seed, 60);
      const host = { id: 'h', name: 'h' };
      const js = new WireAnalyzer({ host, intel });
      await readCaptureFile(path, js.onPacket);
      const native = new WireAnalyzer({ host, intel });
      // How many of the native walk's hand-overs were sums: the walk must really count here.
      let sums = 0;
      const flowCounts = native.flowCounts.bind(native);
      native.flowCounts = (...a: Parameters<WireAnalyzer['flowCounts']>) => {
        sums++;
        return flowCounts(...a);
      };
      const r = await walkCaptureNative(path, 100_000, native);
      expect(r.walked).toBe(true);
      if (r.walked) native.finishNative(r.counts);
      const kept = [...native.flows.values()].map(rpcOf);
      const ends = new Set(kept.map((k) => (k as string[])[0]));
      const expected = [...js.flows.values()].map(rpcOf).filter((k) => ends.has((k as string[])[0]));
      expect(expected.filter((k) => (k as unknown[])[2]).length).toBeGreaterThan(30);
      expect(sums).toBeGreaterThan(30);
      expect(kept.sort()).toEqual(expected.sort());
    },
  );
});
