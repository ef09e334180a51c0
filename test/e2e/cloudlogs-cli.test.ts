import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/cli.js';

const F = path.join(REPO_ROOT, 'test/fixtures/cloud');
const ALL = [
  '--vpc-flow',
  path.join(F, 'aws-vpc-flow'),
  '--resolver',
  path.join(F, 'route53-resolver'),
  '--cloudtrail',
  path.join(F, 'cloudtrail'),
  '--gcp',
  path.join(F, 'gcp'),
  '--azure-nsg',
  path.join(F, 'azure-nsg'),
  '--hosts',
  path.join(F, 'hosts.json'),
];

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mw-cloudlogs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('minewarden cloudlogs', () => {
  it('reports the planted findings as JSON and exits 1', async () => {
    const r = await runCli(['cloudlogs', ...ALL, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as {
      findings: Array<{ ruleId: string; host: { id: string } }>;
      summary: { files: number; skipped: number; findings: number; hostsMapped: number };
      warnings: unknown[];
      files: unknown[];
    };
    expect(doc.summary).toMatchObject({ files: 7, skipped: 0, findings: 25, hostsMapped: 2 });
    expect(doc.warnings).toEqual([]);
    expect(doc.findings.filter((f) => f.host.id === 'web-1').map((f) => f.ruleId)).toContain(
      'cloud.dns.pool-query',
    );
  });

  it('exits 0 when nothing reaches --fail-on, and prints one line per finding as ndjson', async () => {
    const r = await runCli(['cloudlogs', ...ALL, '--format', 'ndjson', '--fail-on', 'critical']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(25);
    for (const l of lines) expect(JSON.parse(l)).toMatchObject({ type: 'finding' });
  });

  it('exits 2 with one clear line on usage and input errors', async () => {
    const none = await runCli(['cloudlogs']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('give at least one of --vpc-flow');
    const missing = await runCli(['cloudlogs', '--cloudtrail', path.join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${path.join(dir, 'nope')}: no such file or directory`);
    const hosts = path.join(dir, 'hosts.json');
    await writeFile(hosts, JSON.stringify({ hosts: [{ id: 'a', ips: 'not-a-list' }] }));
    const bad = await runCli(['cloudlogs', '--vpc-flow', path.join(F, 'aws-vpc-flow'), '--hosts', hosts]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${hosts}, field hosts.0.ips`);
  });

  it('warns with counts and keeps going on a file with broken records', async () => {
    const file = path.join(dir, 'flows.log');
    await writeFile(
      file,
      'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\nnot a record\n7 1 eni-1 10.0.0.1 198.51.100.9 40000 3333 6 5 500 1795082400 1795082460 ACCEPT OK\n2 1 eni-1 10.0.0.1 198.51.100.9 40000 3333 6 5 500 1795082400 1795082460 ACCEPT OK\n',
    );
    const r = await runCli(['cloudlogs', '--vpc-flow', file, '--fail-on', 'medium']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('cloud.flow.miner-port');
    expect(r.stdout).toContain(
      `warning MW_W_CLOUD_SKIPPED: 1 malformed, 1 of an unknown version record(s) skipped of 3; first: ${file}:2: 3 values where the format has 14 fields; ${file}:3: flow log version 7 is not read (versions 2-5) (${file})`,
    );
  });

  it('--watch --once reads a shipper directory, and a second run repeats nothing', async () => {
    const inbox = path.join(dir, 'inbox');
    await mkdir(inbox);
    await cp(path.join(F, 'aws-vpc-flow/custom-v5/flows-v5.log'), path.join(inbox, 'a.log'));
    await writeFile(path.join(inbox, 'b.log.tmp'), 'still uploading');
    const state = path.join(dir, 'watch-state.json');
    const args = ['cloudlogs', '--vpc-flow', inbox, '--watch', '--once', '--interval', '1', '--state', state];
    const first = await runCli([...args, '--format', 'ndjson']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(1);
    const rules = first.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { ruleId: string }).ruleId)
      .sort();
    expect(rules).toEqual(['cloud.flow.admin-exposed', 'cloud.flow.stratum-shape']);
    const again = await runCli([...args, '--format', 'ndjson']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');
    const usage = await runCli(['cloudlogs', '--vpc-flow', inbox, '--once']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--once and --state go with --watch');
  });

  it('--reader-thread on gives the same report as reading on one thread, plain and gzip', async () => {
    // Over a few MiB, so lines cross the 1 MiB chunks: a stratum-shaped session, a miner port, SSH probes.
    const out = [
      'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
    ];
    const t0 = 1_795_082_400;
    for (let i = 0; i < 40_000; i++) {
      const t = t0 + Math.floor(i / 100) * 60;
      const eni = `eni-${String(i % 37).padStart(17, '0')}`;
      const local = `10.0.${i % 37}.10`;
      if (i % 100 === 0) {
        // One instance's pool session, one record each way a minute.
        const miner = '2 123456789010 eni-0000000000000aaaa';
        out.push(`${miner} 10.9.0.10 203.0.113.50 40001 7777 6 6 600 ${t} ${t + 60} ACCEPT OK`);
        out.push(`${miner} 203.0.113.50 10.9.0.10 7777 40001 6 5 900 ${t} ${t + 60} ACCEPT OK`);
      } else if (i % 7 === 0)
        out.push(
          `2 123456789010 eni-0000000000000bbbb 198.51.100.${i % 200} 10.9.0.20 50000 22 6 1 40 ${t} ${t + 60} REJECT OK`,
        );
      else if (i % 997 === 0)
        out.push(
          `2 123456789010 ${eni} ${local} 192.0.2.${i % 250} 45000 3333 6 9 900 ${t} ${t + 60} ACCEPT OK`,
        );
      else if (i % 501 === 0) out.push(`2 123456789010 ${eni} - - - - - - - ${t} ${t + 60} - NODATA`);
      else
        out.push(
          `2 123456789010 ${eni} ${local} 93.184.${i % 250}.7 ${40000 + (i % 9000)} 443 6 12 4000 ${t} ${t + 60} ACCEPT OK`,
        );
    }
    const text = `${out.join('\n')}\n`;
    const plain = path.join(dir, 'big.log');
    await writeFile(plain, text);
    await writeFile(path.join(dir, 'big.log.gz'), gzipSync(text));
    for (const file of [plain, `${plain}.gz`]) {
      const run = (mode: string) =>
        runCli(['cloudlogs', '--vpc-flow', file, '--format', 'json', '--reader-thread', mode]);
      const [on, off] = [await run('on'), await run('off')];
      expect(on.stderr).toBe('');
      expect(on.code).toBe(off.code);
      const a = JSON.parse(on.stdout) as { findings: { ruleId: string }[] };
      expect(a).toEqual(JSON.parse(off.stdout));
      expect(new Set(a.findings.map((f) => f.ruleId))).toEqual(
        new Set(['cloud.flow.stratum-shape', 'cloud.flow.miner-port', 'cloud.flow.admin-scan']),
      );
    }
  });
});
