import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBuiltinPoolIntel } from '../../intel/pools/index.js';
import { FindingSchema } from '../../model/schemas.js';
import { severityRank } from '../../model/severity.js';
import { analyzeCaptureFile } from './capture.js';

const PCAPS = resolve(import.meta.dirname, '../../../../shared/data/pcaps');
const intel = loadBuiltinPoolIntel();
const analyze = (f: string) => analyzeCaptureFile(f, { intel });
const stratum = (fs: Awaited<ReturnType<typeof analyze>>['findings']) =>
  fs.filter((f) => f.ruleId === 'wire.mining.stratum');

function captures(d: string): string[] {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? captures(join(d, e.name)) : /\.pcap(ng)?$/.test(e.name) ? [join(d, e.name)] : [],
  );
}

/** nDPI's golden output: `TCP a:p <-> b:p [proto: 42/Mining]...[N pkts/x bytes <-> M pkts/y bytes]`. */
function ndpiMiningFlows(outFile: string) {
  const re =
    /TCP ([\d.]+):(\d+) <-> ([\d.]+):(\d+) \[proto: 42\/Mining\].*?\[(\d+) pkts\/\d+ bytes <-> (\d+) pkts/;
  return readFileSync(outFile, 'utf8')
    .split('\n')
    .map((l) => re.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ client: m[1], server: `${m[3]}:${m[4]}`, packets: Number(m[5]) + Number(m[6]) }));
}

/** Zeek's baseline notices: `Cryptomining pool server at IP:PORT/tcp, using X protocol`. */
function zeekPools(baseline: string): Array<{ server: string; protocol: string }> {
  const names: Record<string, string> = {
    Stratum: 'stratum-v1',
    getblocktemplate: 'getblocktemplate',
    MinerGate: 'monero-stratum',
  };
  return [
    ...readFileSync(baseline, 'utf8').matchAll(/pool server at ([\d.]+:\d+)\/tcp, using (\w+) protocol/g),
  ].map((m) => ({ server: m[1] as string, protocol: names[m[2] as string] ?? `unknown ${m[2]}` }));
}

describe('mining captures', () => {
  it.each(captures(join(PCAPS, 'mining')))('%s yields a mining finding', async (file) => {
    const r = await analyze(file);
    expect(stratum(r.findings).length).toBeGreaterThan(0);
    for (const f of r.findings) expect(FindingSchema.safeParse(f).success).toBe(true);
    expect(r.warnings).toEqual([]);
  });

  it("nDPI mining.pcapng: nDPI's four Mining flows, with the right protocol and nDPI's packet counts", async () => {
    const expected = ndpiMiningFlows(join(PCAPS, 'mining/ndpi/mining.pcapng.out'));
    expect(expected).toHaveLength(4);
    const found = stratum((await analyze(join(PCAPS, 'mining/ndpi/mining.pcapng'))).findings);
    const byServer = new Map(found.map((f) => [`${f.evidence['server']}:${f.evidence['serverPort']}`, f]));
    for (const e of expected) {
      const f = byServer.get(e.server);
      expect(f, e.server).toBeDefined();
      expect(f?.evidence['client']).toBe(e.client);
      expect(f?.evidence['packets']).toBe(e.packets);
    }
    // PROVENANCE: 3333 is ZCash stratum, 9999 eth-proxy, 9050 Monero login with xmr-stak's agent.
    const proto = (port: string) => [...byServer].find(([k]) => k.endsWith(port))?.[1];
    expect(proto(':3333')?.evidence['protocol']).toBe('stratum-v1');
    expect(proto(':9999')?.evidence['protocol']).toBe('eth-proxy');
    expect(proto(':9050')?.evidence['protocol']).toBe('monero-stratum');
    expect(proto(':9050')?.evidence['agent']).toBe('xmr-stak-cpu/1.3.0-1.5.0');
    expect(String(proto(':9999')?.evidence['login'])).toMatch(/^0x9c99d212f7e5daa18ab50810e0fd255d1f04303b/);
  });

  it.each([
    ['bitcoin-mining.pcap', 'tests.bitcoin-mining/4.0-out'],
    ['bitcoin-mining.pcap', 'tests.bitcoin-mining/out'],
    ['coinhive-stratum.pcap', 'tests.coinhive-stratum/out'],
  ])(
    "zeek-cryptomining %s: every pool server of Zeek's baseline %s, same protocol",
    async (pcap, baseline) => {
      const dir = join(PCAPS, 'mining/zeek-cryptomining');
      const expected = zeekPools(join(dir, 'Baseline', baseline));
      expect(expected.length).toBeGreaterThan(0);
      const found = stratum((await analyze(join(dir, pcap))).findings).map((f) => ({
        server: `${f.evidence['server']}:${f.evidence['serverPort']}`,
        protocol: f.evidence['protocol'],
      }));
      for (const e of expected) expect(found).toContainEqual(e);
    },
  );

  it('a session caught mid-stream (no subscribe/authorize) is still stratum', async () => {
    const found = stratum(
      (await analyze(join(PCAPS, 'mining/zeek-cryptomining/bitcoin-mining-in-progress.pcap'))).findings,
    );
    expect(found).toHaveLength(1);
    expect(found[0]?.evidence).toMatchObject({
      protocol: 'stratum-v1',
      handshakeSeen: false,
      server: '74.84.128.158',
    });
  });

  it("Peafowl stratum.pcap: every packet in the two stratum flows (Peafowl's 313 + 6 handshake packets)", async () => {
    const file = join(PCAPS, 'mining/peafowl/stratum.pcap');
    const r = await analyze(file);
    const found = stratum(r.findings);
    expect(found.map((f) => f.evidence['server']).sort()).toEqual(['116.211.167.195', '94.23.199.191']);
    const total = found.reduce((a, f) => a + Number(f.evidence['packets']), 0);
    expect(total).toBe(r.capture.stats.packets);
    expect(total).toBe(319);
    // Peafowl's test counts 313: the packets after each flow's three-way handshake.
    expect(total - 2 * 3).toBe(313);
  });
});

describe('benign captures', () => {
  it.each(captures(join(PCAPS, 'benign')))('%s: nothing above info', async (file) => {
    const r = await analyze(file);
    expect(r.findings.filter((f) => severityRank(f.severity) > 0)).toEqual([]);
  });

  it.each([
    ['bitcoin.pcap', 'bitcoin', 6],
    ['monero.pcap', 'monero', 4],
  ])('%s: cryptocurrency P2P is recognised, as info', async (pcap, network, flows) => {
    const r = await analyze(join(PCAPS, 'benign/ndpi', pcap));
    const p2p = r.findings.filter((f) => f.ruleId === 'wire.crypto.p2p');
    expect(p2p).toHaveLength(flows);
    for (const f of p2p) expect(f).toMatchObject({ severity: 'info', evidence: { network } });
  });
});

const haveTshark = (() => {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!haveTshark && process.env.MINEWARDEN_REQUIRE_SERVICES !== '1')('against tshark', () => {
  it('Peafowl: every packet tshark sees carrying "mining." belongs to one of our two flows', async () => {
    const file = join(PCAPS, 'mining/peafowl/stratum.pcap');
    const rows = execFileSync(
      'tshark',
      [
        '-r',
        file,
        '-Y',
        'tcp contains "mining."',
        '-T',
        'fields',
        '-e',
        'ip.src',
        '-e',
        'tcp.srcport',
        '-e',
        'ip.dst',
        '-e',
        'tcp.dstport',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    )
      .trim()
      .split('\n');
    expect(rows.length).toBeGreaterThan(50);
    const tuples = new Set(
      stratum((await analyze(file)).findings).map(
        (f) =>
          `${f.evidence['client']}\t${f.evidence['clientPort']}\t${f.evidence['server']}\t${f.evidence['serverPort']}`,
      ),
    );
    for (const row of rows) {
      const [a, ap, b, bp] = row.split('\t');
      expect(tuples.has(`${a}\t${ap}\t${b}\t${bp}`) || tuples.has(`${b}\t${bp}\t${a}\t${ap}`), row).toBe(
        true,
      );
    }
  });
});
