import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
});
