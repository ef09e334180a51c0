import { describe, expect, it } from 'vitest';
import {
  ACK,
  conversation,
  ethernet,
  ipPacket,
  pcapFile,
  type Rec,
  SYN,
  type Tcp,
  tcpPacket,
  udpDatagram,
} from '../../../test/fixtures/pcap/build.js';
import { loadBuiltinPoolIntel } from '../../intel/pools/index.js';
import type { Finding } from '../../model/finding.js';
import { CaptureStream } from '../../sources/pcap/reader.js';
import { WireAnalyzer } from './analyzer.js';
import { MAX_LINE_BYTES } from './half-stream.js';

const intel = loadBuiltinPoolIntel();
const T0 = 1_700_000_000_000;

function run(packets: Buffer[], opts: { maxFlows?: number; live?: Finding[] } = {}) {
  const live = opts.live;
  const a = new WireAnalyzer({
    host: { id: 'h', name: 'h' },
    intel,
    ...(opts.maxFlows ? { maxFlows: opts.maxFlows } : {}),
    ...(live ? { onFinding: (f: Finding) => live.push(f) } : {}),
  });
  const recs: Rec[] = packets.map((p, i) => ({ frame: ethernet(p), timeMs: T0 + i * 10 }));
  const s = new CaptureStream('test', a.onPacket);
  s.write(pcapFile(recs));
  s.finish();
  return a;
}

const LOGIN =
  '{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A","pass":"x","agent":"XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0","algo":["rx/0"]}}\n';
const JOB =
  '{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"1","job":{"blob":"0e0e","job_id":"abc","target":"f3220000"},"status":"OK"}}\n';

const packets = (segs: Tcp[]) => segs.map(tcpPacket);
const miningOf = (a: WireAnalyzer) => a.findings().filter((f) => f.ruleId === 'wire.mining.stratum');

describe('stream reassembly', () => {
  it('joins a login split over three segments that arrive out of order, with a retransmission', () => {
    const [syn, synack, login, job] = conversation('10.0.0.5', '10.9.9.9', 3333, [
      { from: 'client', data: LOGIN },
      { from: 'server', data: JOB },
    ]) as [Tcp, Tcp, Tcp, Tcp];
    const body = Buffer.from(LOGIN);
    const part = (from: number, to: number): Tcp => ({
      ...login,
      seq: login.seq + from,
      payload: body.subarray(from, to),
    });
    const a = run(packets([syn, synack, part(0, 40), part(90, body.length), part(40, 90), part(0, 40), job]));
    const [f] = miningOf(a);
    expect(f?.evidence).toMatchObject({
      protocol: 'monero-stratum',
      agent: 'XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0',
      login:
        '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A',
      client: '10.0.0.5',
      server: '10.9.9.9',
      serverPort: 3333,
      fiveTuple: 'tcp 10.0.0.5:40000 -> 10.9.9.9:3333',
      packets: 7,
      handshakeSeen: true,
    });
    expect(f?.evidence['methods']).toEqual({ login: 1 });
    expect(f?.time).toBe(new Date(T0 + 40).toISOString());
  });

  it('a login split in halves without the missing middle is not invented', () => {
    const [syn, synack, login] = conversation('10.0.0.5', '10.9.9.9', 3333, [
      { from: 'client', data: LOGIN },
    ]) as [Tcp, Tcp, Tcp];
    const body = Buffer.from(LOGIN);
    const a = run(packets([syn, synack, { ...login, payload: body.subarray(0, 30) }]));
    expect(miningOf(a)).toEqual([]);
  });

  it('mid-session stratum in IPv6 (only notify and submit, first segment starting mid-line)', () => {
    const c = '2001:db8::10';
    const s = '2001:db8::20';
    const notify =
      '{"id":null,"method":"mining.notify","params":["1f","00","01","02",[],"20000000","1703a8c0","65a1b2c3",true]}\n';
    const submit =
      '{"params":["bc1qworker.rig1","1f","00000001","65a1b2c3","deadbeef"],"id":4,"method":"mining.submit"}\n';
    const a = run(
      packets([
        { src: s, dst: c, sport: 3333, dport: 51000, seq: 900, payload: `00"]}\n${notify}` },
        { src: c, dst: s, sport: 51000, dport: 3333, seq: 100, payload: submit },
        { src: s, dst: c, sport: 3333, dport: 51000, seq: 906 + notify.length, payload: notify },
      ]),
    );
    const [f] = miningOf(a);
    expect(f?.evidence).toMatchObject({
      protocol: 'stratum-v1',
      client: '2001:db8::10',
      server: '2001:db8::20',
      handshakeSeen: false,
      methods: { 'mining.notify': 2, 'mining.submit': 1 },
      fiveTuple: 'tcp [2001:db8::10]:51000 -> [2001:db8::20]:3333',
    });
  });

  it('eth-proxy and getwork over HTTP name their protocol, login and agent', () => {
    const eth = conversation('10.0.0.6', '10.9.9.8', 8008, [
      {
        from: 'client',
        data: '{"worker":"rig7","jsonrpc":"2.0","params":["0xabcdef0123456789abcdef0123456789abcdef01","x"],"id":1,"method":"eth_submitLogin"}\n',
      },
    ]);
    const http = conversation('10.0.0.7', '10.9.9.7', 8332, [
      {
        from: 'client',
        data: 'POST / HTTP/1.1\r\nHost: pool\r\nAuthorization: Basic d2FsbGV0LndvcmtlcjpzZWNyZXQ=\r\nUser-Agent: cgminer/4.12.0\r\nContent-Length: 44\r\n\r\n',
      },
      { from: 'client', data: '{"method": "getwork", "params": [], "id":0}' },
    ]);
    const found = miningOf(run(packets([...eth, ...http])));
    const by = Object.fromEntries(found.map((f) => [f.evidence['protocol'] as string, f.evidence]));
    expect(by['eth-proxy']).toMatchObject({ login: '0xabcdef0123456789abcdef0123456789abcdef01.rig7' });
    // The password in the Basic header stays out of the report.
    expect(by['getwork']).toMatchObject({ login: 'wallet.worker', agent: 'cgminer/4.12.0' });
    expect(JSON.stringify(found)).not.toContain('secret');
  });

  it('plain JSON-RPC that is not mining stays quiet', () => {
    const conv = conversation('10.0.0.8', '10.9.9.6', 8545, [
      {
        from: 'client',
        data: '{"jsonrpc":"2.0","method":"eth_getBalance","params":["0x1","latest"],"id":1}\n',
      },
      { from: 'client', data: '{"jsonrpc":"2.0","method":"submit","params":{"order":1},"id":2}\n' },
      { from: 'server', data: '{"jsonrpc":"2.0","result":"0x0","id":1}\n' },
    ]);
    expect(run(packets(conv)).findings()).toEqual([]);
  });
});

describe('hostile streams', () => {
  it('a 10 MB JSON line: classified by its start, memory bounded, counted', () => {
    const [syn, synack] = conversation('10.0.0.9', '10.9.9.5', 3333, []) as [Tcp, Tcp];
    const head = '{"id":1,"method":"mining.subscribe","params":["evil/1.0","';
    const segs: Tcp[] = [syn, synack];
    let seq = syn.seq + 1;
    const filler = Buffer.alloc(1400, 0x41);
    segs.push({ ...syn, flags: ACK, seq, payload: head });
    seq += head.length;
    for (let sent = 0; sent < 10 * 1024 * 1024; sent += filler.length) {
      segs.push({ ...syn, flags: ACK, seq, payload: filler });
      seq += filler.length;
    }
    segs.push({
      ...syn,
      flags: ACK,
      seq,
      payload: '"]}\n{"id":2,"method":"mining.authorize","params":["w.1","x"]}\n',
    });
    const a = run(packets(segs));
    expect(a.stats.cutLines).toBe(1);
    const [f] = miningOf(a);
    expect(f?.evidence).toMatchObject({ protocol: 'stratum-v1', login: 'w.1', agent: null });
    for (const flow of a.flows.values())
      for (const s of flow.rpc ? [flow.rpc.streamA, flow.rpc.streamB] : [])
        expect(s?.heldBytes ?? 0).toBeLessThanOrEqual(MAX_LINE_BYTES);
  });

  it('a flood of flows stays under the table bound and keeps the mining flow found before it', () => {
    const mining = conversation('10.0.1.1', '10.9.9.4', 3333, [{ from: 'client', data: LOGIN }]);
    const flood: Tcp[] = Array.from({ length: 3000 }, (_, i) => ({
      src: '10.2.0.1',
      dst: '10.3.0.1',
      sport: 1024 + i,
      dport: 80,
      seq: i,
      flags: SYN,
    }));
    const a = run(packets([...mining, ...flood]), { maxFlows: 500 });
    expect(a.flows.size).toBeLessThanOrEqual(500);
    expect(a.stats.flowsEvicted).toBeGreaterThan(2000);
    expect(miningOf(a)).toHaveLength(1);
  });
});

function dnsQuery(name: string, response = false, answer?: string): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(0x1234, 0);
  h.writeUInt16BE(response ? 0x8180 : 0x0100, 2);
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(answer ? 1 : 0, 6);
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const q = Buffer.concat([...labels, Buffer.from([0, 0, 1, 0, 1])]);
  const parts = [h, q];
  if (answer) {
    const rr = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...answer.split('.').map(Number)]);
    parts.push(rr);
  }
  return Buffer.concat(parts);
}

function clientHello(sni: string): Buffer {
  const name = Buffer.from(sni);
  const sniExt = Buffer.alloc(9 + name.length);
  sniExt.writeUInt16BE(0, 0);
  sniExt.writeUInt16BE(5 + name.length, 2);
  sniExt.writeUInt16BE(3 + name.length, 4);
  sniExt[6] = 0;
  sniExt.writeUInt16BE(name.length, 7);
  name.copy(sniExt, 9);
  const extLen = Buffer.alloc(2);
  extLen.writeUInt16BE(sniExt.length);
  const body = Buffer.concat([
    Buffer.from([3, 3]),
    Buffer.alloc(32),
    Buffer.from([0, 0, 2, 0x13, 0x01, 1, 0]),
    extLen,
    sniExt,
  ]);
  const hs = Buffer.concat([Buffer.from([1, 0, body.length >> 8, body.length & 255]), body]);
  return Buffer.concat([Buffer.from([0x16, 3, 1, hs.length >> 8, hs.length & 255]), hs]);
}

describe('DNS and TLS to pools', () => {
  it('reports a pool lookup, and a later TLS flow to the resolved address with a pool SNI', () => {
    const live: Finding[] = [];
    const a = run(
      [
        ipPacket('10.0.0.20', '10.0.0.53', 17, udpDatagram(5353, 53, dnsQuery('gulf.moneroocean.stream'))),
        ipPacket(
          '10.0.0.53',
          '10.0.0.20',
          17,
          udpDatagram(53, 5353, dnsQuery('gulf.moneroocean.stream', true, '10.77.0.1')),
        ),
        tcpPacket({ src: '10.0.0.20', dst: '10.77.0.1', sport: 41000, dport: 443, seq: 1, flags: SYN }),
        tcpPacket({
          src: '10.0.0.20',
          dst: '10.77.0.1',
          sport: 41000,
          dport: 443,
          seq: 2,
          payload: clientHello('gulf.moneroocean.stream'),
        }),
      ],
      { live },
    );
    const byRule = Object.fromEntries(a.findings().map((f) => [f.ruleId, f]));
    expect(byRule['wire.dns.pool-domain']?.evidence).toMatchObject({
      client: '10.0.0.20',
      query: 'gulf.moneroocean.stream',
      queries: 1,
      resolvedAddresses: ['10.77.0.1'],
    });
    expect(byRule['wire.mining.tls-pool']?.evidence).toMatchObject({
      sni: 'gulf.moneroocean.stream',
      server: '10.77.0.1',
    });
    expect(byRule['wire.mining.tls-pool']?.severity).toBe('high');
    // Live mode reported both the moment they were seen.
    expect(live.map((f) => f.ruleId).sort()).toEqual(['wire.dns.pool-domain', 'wire.mining.tls-pool']);
  });

  it('ordinary names and SNI raise nothing', () => {
    const a = run([
      ipPacket('10.0.0.20', '10.0.0.53', 17, udpDatagram(5353, 53, dnsQuery('www.example.org'))),
      tcpPacket({
        src: '10.0.0.20',
        dst: '10.1.1.1',
        sport: 41001,
        dport: 443,
        seq: 2,
        payload: clientHello('www.example.org'),
      }),
    ]);
    expect(a.findings()).toEqual([]);
    expect(a.stats.dnsMessages).toBe(1);
  });
});
