import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMinerPorts } from '../../intel/miner-ports.js';
import { loadBuiltinPoolIntel, PoolIntel, poolIntelFromText } from '../../intel/pools/index.js';
import { HostResolver, readVpcFlowFile } from '../../sources/cloud/index.js';
import { CloudDetection } from './engine.js';
import { cloudDetectors } from './index.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mw-vpc-fast-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Deterministic xorshift. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

const HEADER =
  'version account-id interface-id instance-id srcaddr dstaddr srcport dstport protocol packets bytes start end action tcp-flags pkt-dst-aws-service flow-direction log-status';

/**
 * Custom v5 lines that reach every flow rule: pool addresses (one listed, IPv4 and IPv6), miner ports, periodic
 * sessions to one peer, SSH/RDP/Redis from many sources, private peers, missing values, NODATA and broken lines.
 */
function lines(n: number): string {
  const r = rng(7);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)] as T;
  const locals = ['10.0.1.15', '10.0.2.30', '172.16.5.4', '2600:1f18::15'];
  const peers = [
    '198.51.100.77',
    '203.0.113.9',
    '192.0.2.44',
    '2001:db8::1',
    '10.9.9.9',
    '100.64.1.1',
    '8.8.8.8',
  ];
  const enis = ['eni-0a1b2c3d4e5f60001', 'eni-0a1b2c3d4e5f60002', 'eni-0a1b2c3d4e5f60003', '-'];
  const out = [HEADER];
  const t0 = 1_795_082_400;
  for (let i = 0; i < n; i++) {
    const t = t0 + Math.floor(i / 20) * 60;
    const eni = pick(enis);
    const inst = eni === '-' ? '-' : `i-${eni.slice(4)}`;
    const local = pick(locals);
    const peer = pick(peers);
    const k = r();
    const eph = 32768 + Math.floor(r() * 1000);
    let f: (string | number)[];
    if (k < 0.3) {
      const port = pick([3333, 443, 14444, 5555, 8080]);
      f = r() < 0.5 ? [local, peer, eph, port, 'egress'] : [peer, local, port, eph, 'ingress'];
    } else if (k < 0.55)
      f = [`198.51.100.${Math.floor(r() * 40)}`, local, eph, pick([22, 3389, 6379, 2375]), 'ingress'];
    else if (k < 0.9) f = [local, peer, eph, pick([9999, 4444, 7777]), pick(['egress', '-'])];
    else f = [local, peer, '-', '-', '-'];
    const [src, dst, sp, dp, dirn] = f;
    const action = pick(['ACCEPT', 'ACCEPT', 'REJECT', '-']);
    const status = r() < 0.02 ? 'NODATA' : 'OK';
    const packets = 1 + Math.floor(r() * 12);
    const svc = r() < 0.1 ? 'S3' : '-';
    out.push(
      [
        5,
        '123456789010',
        eni,
        inst,
        src,
        dst,
        sp,
        dp,
        pick([6, 6, 17]),
        packets,
        packets * (60 + Math.floor(r() * 90)),
        t,
        t + 60,
        action,
        2,
        svc,
        dirn,
        status,
      ].join(' '),
    );
    if (r() < 0.005) out.push('5 123456789010 eni-x garbage');
    // Planted each minute: a stratum-shaped session both ways (IPv4 and IPv6), and SSH accepted from a new source.
    if (i % 20 === 0) {
      const rec = (src: string, dst: string, sp: number, dp: number, p: number, b: number, d: string) =>
        [
          '5',
          '123456789010',
          enis[0],
          'i-0a1b2c3d4e5f60001',
          src,
          dst,
          sp,
          dp,
          6,
          p,
          b,
          t,
          t + 60,
          'ACCEPT',
          2,
          '-',
          d,
          'OK',
        ].join(' ');
      out.push(rec('10.0.1.15', '203.0.113.50', 40001, 7777, 6, 600, 'egress'));
      out.push(rec('203.0.113.50', '10.0.1.15', 7777, 40001, 5, 900, 'ingress'));
      out.push(rec('2600:1f18::15', '2001:db8::99', 40002, 7777, 6, 600, 'egress'));
      out.push(rec('2001:db8::99', '2600:1f18::15', 7777, 40002, 5, 900, 'ingress'));
      out.push(rec(`192.0.2.${(i / 20) % 200}`, '10.0.1.15', 50000, 22, 8, 2000, 'ingress'));
      out.push(
        rec(`203.0.113.${(i / 20) % 200}`, '10.0.2.30', 50000, 3389, 1, 40, 'ingress').replace(
          'ACCEPT',
          'REJECT',
        ),
      );
    }
  }
  return `${out.join('\n')}\n`;
}

async function findings(file: string, fast: boolean, hosts: HostResolver) {
  const intel = PoolIntel.merge(
    loadBuiltinPoolIntel(),
    poolIntelFromText('198.51.100.77\n2001:db8::/32\n', { list: 'test', source: 'test' }).intel,
  );
  const d = new CloudDetection(cloudDetectors({ intel, minerPorts: loadMinerPorts() }), (id) =>
    hosts.ref(id),
  );
  const stats = await readVpcFlowFile(file, (e) => d.process(e), {
    hosts,
    ...(fast ? { onFlow: (r) => d.processFlow(r) } : {}),
  });
  return { stats, findings: d.results() };
}

describe('VPC flow records read as bytes', () => {
  it('give the same findings, evidence and counts as the same lines read as events', async () => {
    const file = path.join(dir, 'mixed.log');
    await writeFile(file, lines(20_000));
    for (const hosts of [
      new HostResolver(),
      new HostResolver({
        hosts: [
          { id: 'web-1', instanceIds: ['i-0a1b2c3d4e5f60001'], ips: ['10.0.1.15'] },
          { id: 'db-1', ips: ['172.16.5.4', '2600:1f18::15'] },
        ],
      }),
    ]) {
      const fast = await findings(file, true, hosts);
      const slow = await findings(file, false, hosts);
      expect(fast.stats).toEqual(slow.stats);
      expect(fast.stats.skipped.noData).toBeGreaterThan(0);
      expect(fast.stats.skipped.malformed).toBeGreaterThan(0);
      const rules = new Set(fast.findings.map((f) => f.ruleId));
      for (const rule of [
        'cloud.flow.pool-address',
        'cloud.flow.miner-port',
        'cloud.flow.stratum-shape',
        'cloud.flow.admin-scan',
        'cloud.flow.admin-exposed',
        'cloud.flow.admin-brute-force',
      ])
        expect(rules).toContain(rule);
      expect(fast.findings.some((f) => f.entity.ip === '2001:db8::1')).toBe(true);
      expect(fast.findings).toEqual(slow.findings);
    }
  });

  it('read from a plain file into two buffers taken in turn, give what the gzip copy (a fresh buffer a chunk) gives', async () => {
    const text = lines(30_000);
    const plain = path.join(dir, 'reuse.log');
    const gz = path.join(dir, 'reuse.log.gz');
    await writeFile(plain, text);
    await writeFile(gz, gzipSync(Buffer.from(text)));
    // Several 1 MiB chunks, so lines cross chunk boundaries and the buffers are read into again.
    expect((await stat(plain)).size).toBeGreaterThan(3 << 20);
    const hosts = new HostResolver();
    const a = await findings(plain, true, hosts);
    const b = await findings(gz, true, hosts);
    expect(a.stats.gzip).toBe(false);
    expect(b.stats.gzip).toBe(true);
    const same = (s: typeof a.stats) => ({
      ...s,
      file: '',
      gzip: null,
      bytesRead: 0,
      examples: s.examples.map((e) => e.slice(s.file.length)),
    });
    expect(a.stats.examples.length).toBeGreaterThan(0);
    expect(same(a.stats)).toEqual(same(b.stats));
    expect(a.findings.length).toBeGreaterThan(0);
    expect(a.findings).toEqual(b.findings);
  });
});
