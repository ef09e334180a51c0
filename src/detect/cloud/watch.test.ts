import { appendFile, copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolverQueryLine } from '../../../test/helpers/cloud-lines.js';
import { loadMinerPorts } from '../../intel/miner-ports.js';
import { loadBuiltinPoolIntel, PoolIntel, poolIntelFromText } from '../../intel/pools/index.js';
import type { Finding } from '../../model/finding.js';
import { loadHostMap } from '../../sources/cloud/index.js';
import { CloudLogWatcher, type CloudWatchBatch } from './watch.js';
import { CloudFeedSchema } from './watch-config.js';
import { openCloudFeed } from './watch-open.js';

const F = path.resolve(import.meta.dirname, '../../../test/fixtures/cloud');
const RESOLVER = path.join(
  F,
  'route53-resolver/AWSLogs/123456789010/vpcdnsquerylogs/vpc-0abc1234def567890/2026/11/20/vpc-0abc1234def567890_vpcdnsquerylogs_123456789010_20261120T1000Z_1a2b3c4d.log',
);
const VPC_S3 = path.join(
  F,
  'aws-vpc-flow/s3/AWSLogs/123456789010/vpcflowlogs/us-east-1/2026/11/20/123456789010_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261120T1000Z_0a1b2c3d.log.gz',
);
const VPC_V5 = path.join(F, 'aws-vpc-flow/custom-v5/flows-v5.log');
/** A miner-port flow nothing else in these files has. */
const MINER_LINE =
  '2 123456789010 eni-0feed0000000000aa 10.0.9.9 192.0.2.99 40123 14444 6 20 4000 1795082400 1795082460 ACCEPT OK\n';
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mw-cloud-watch-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const key = (f: Finding) =>
  `${f.ruleId} @${f.host.id} ${[f.entity.name, f.entity.ip, f.entity.port].filter((x) => x !== undefined).join(' ')}`;

describe('cloud logs from directories a shipper fills', () => {
  it('reads each complete file once, reports each finding once, and repeats nothing after a restart', async () => {
    const vpc = path.join(dir, 'vpc');
    const dns = path.join(dir, 'dns');
    await mkdir(vpc);
    await mkdir(dns);
    const statePath = path.join(dir, 'state', 'watch.json');
    const hosts = await loadHostMap(path.join(F, 'hosts.json'));
    const open = () =>
      CloudLogWatcher.open(
        { vpcFlow: [vpc], resolver: [dns] },
        { intel: loadBuiltinPoolIntel(), minerPorts: loadMinerPorts(), hosts, statePath },
      );
    const seen: string[] = [];
    const filesRead: string[] = [];
    const collect = (b: CloudWatchBatch) => {
      seen.push(...b.findings.map(key));
      filesRead.push(...b.files.map((f) => path.basename(f.file)));
    };

    let w = await open();
    // Delivered: the resolver log and a gzip flow log; being written: a partial upload under a .tmp name.
    await copyFile(RESOLVER, path.join(dns, 'q1.log'));
    await copyFile(VPC_S3, path.join(vpc, 'f1.log.gz'));
    await writeFile(path.join(vpc, 'f2.log.tmp'), HEADER + MINER_LINE);
    // First look: files seen, none yet known to be complete.
    expect((await w.poll(collect)).files).toEqual([]);
    await w.poll(collect);
    expect(filesRead.sort()).toEqual(['f1.log.gz', 'q1.log']);
    const first = [...seen];
    expect(first).toEqual(
      expect.arrayContaining([
        'cloud.dns.pool-query @web-1 supportxmr.com 10.0.1.15',
        'cloud.flow.pool-address @web-1 198.51.100.77 3333',
        'cloud.flow.miner-port @web-1 198.51.100.77 3333',
        'cloud.flow.stratum-shape @web-1 198.51.100.77 3333',
        'cloud.flow.admin-scan @eni-0a1b2c3d4e5f60002 ssh 10.0.1.20 22',
      ]),
    );
    expect(new Set(first).size).toBe(first.length);
    // Nothing new: nothing read, nothing repeated.
    await w.poll(collect);
    await w.poll(collect);
    expect(seen).toEqual(first);

    // A file still growing waits until it holds still; the finished upload is renamed into place.
    await writeFile(path.join(vpc, 'f3.log'), HEADER);
    await w.poll(collect);
    await appendFile(path.join(vpc, 'f3.log'), MINER_LINE.replace('192.0.2.99', '192.0.2.98'));
    await w.poll(collect);
    expect(filesRead).not.toContain('f3.log');
    await rename(path.join(vpc, 'f2.log.tmp'), path.join(vpc, 'f2.log'));
    await w.poll(collect);
    await w.poll(collect);
    expect(filesRead.filter((f) => f === 'f2.log' || f === 'f3.log').sort()).toEqual(['f2.log', 'f3.log']);
    expect(seen.slice(first.length).sort()).toEqual([
      'cloud.flow.miner-port @eni-0feed0000000000aa 192.0.2.98 14444',
      'cloud.flow.miner-port @eni-0feed0000000000aa 192.0.2.99 14444',
    ]);

    // Restart: the state says what was read and reported.
    const before = seen.length;
    const readBefore = filesRead.length;
    w = await open();
    await w.poll(collect);
    await w.poll(collect);
    expect(filesRead.length).toBe(readBefore);
    expect(seen.length).toBe(before);
    const state = JSON.parse(await readFile(statePath, 'utf8')) as { files: Record<string, unknown> };
    expect(
      Object.keys(state.files)
        .map((p) => path.basename(p))
        .sort(),
    ).toEqual(['f1.log.gz', 'f2.log', 'f3.log', 'q1.log']);

    // A new delivery after the restart: only its findings.
    await copyFile(VPC_V5, path.join(vpc, 'f4.log'));
    await w.poll(collect);
    await w.poll(collect);
    expect(seen.slice(before).sort()).toEqual([
      'cloud.flow.admin-exposed @i-0aaaabbbbcccc0001 redis 10.0.2.31 6379',
      'cloud.flow.stratum-shape @i-0fedcba9876543210 203.0.113.200 443',
    ]);

    // Files removed by rotation or lifecycle rules leave the state.
    await rm(path.join(vpc, 'f1.log.gz'));
    await w.poll(collect);
    const pruned = JSON.parse(await readFile(statePath, 'utf8')) as { files: Record<string, unknown> };
    expect(Object.keys(pruned.files).map((p) => path.basename(p))).not.toContain('f1.log.gz');
  });

  it('refuses a damaged state file, naming it and the field', async () => {
    const statePath = path.join(dir, 'bad-state.json');
    await writeFile(statePath, JSON.stringify({ version: 1, files: { '/x': { size: 'big', mtimeMs: 1 } } }));
    await expect(
      CloudLogWatcher.open(
        { vpcFlow: [dir] },
        { intel: loadBuiltinPoolIntel(), minerPorts: loadMinerPorts(), statePath },
      ),
    ).rejects.toThrow(`${statePath}, field files./x.size`);
  });

  it('fails at the start on a missing directory, and keeps watching when one goes away later', async () => {
    const gone = path.join(dir, 'gone');
    const o = {
      intel: loadBuiltinPoolIntel(),
      minerPorts: loadMinerPorts(),
      statePath: path.join(dir, 'gone.json'),
    };
    await expect(CloudLogWatcher.open({ vpcFlow: [gone] }, o)).rejects.toThrow(
      `${gone}: no such file or directory`,
    );
    await mkdir(gone);
    const w = await CloudLogWatcher.open({ vpcFlow: [gone] }, o);
    await rm(gone, { recursive: true });
    const stop = new AbortController();
    const warnings: string[] = [];
    await w.run(
      (b) => {
        warnings.push(...b.warnings.map((x) => x.message));
        if (warnings.length >= 2) stop.abort();
      },
      1,
      stop.signal,
    );
    expect(warnings).toEqual([`${gone}: no such file or directory`, `${gone}: no such file or directory`]);
  });

  it('uses pool intel pushed while it runs from the next look on, and the installed lists beside it', async () => {
    const dns = path.join(dir, 'dns-pushed');
    await mkdir(dns);
    const intelDir = path.join(dir, 'intel-none');
    const query = (name: string) =>
      resolverQueryLine({
        instance: 'i-0pushed0000000001',
        srcaddr: '10.0.7.7',
        name,
        answer: '198.51.100.78',
      });
    let pushed: PoolIntel | null = null;
    const w = await openCloudFeed(
      CloudFeedSchema.parse({ resolver: [dns], intelDir }),
      path.join(dir, 'pushed.json'),
      () => pushed,
    );
    if (!w) throw new Error('no watcher');
    const names: string[] = [];
    const collect = (b: CloudWatchBatch) => {
      names.push(...b.findings.map((f) => String(f.entity.name)));
    };
    const look = async () => {
      // A file counts as complete at the second look that sees it.
      await w.poll(collect);
      await w.poll(collect);
    };
    await writeFile(path.join(dns, 'a.log'), query('la.newpool-fleet.example'));
    await look();
    // Not in the built-in lists: nothing yet; a built-in pool still counts.
    expect(names).toEqual([]);
    await writeFile(path.join(dns, 'b.log'), query('pool.supportxmr.com'));
    await look();
    expect(names).toEqual(['supportxmr.com']);
    // The fleet's admins push a pack with the new pool (the agent's ContentSync merges it with the built-in lists).
    pushed = PoolIntel.merge(
      loadBuiltinPoolIntel(),
      poolIntelFromText('newpool-fleet.example\n', { list: 'fleet', source: 'pushed', date: '2026-11-26' })
        .intel,
    );
    await writeFile(path.join(dns, 'c.log'), query('eu.newpool-fleet.example'));
    await look();
    expect(w.intelChanges).toBe(1);
    expect(names).toEqual(['supportxmr.com', 'newpool-fleet.example']);
    // The same pushed object again starts no new engine.
    await look();
    expect(w.intelChanges).toBe(1);
  });
});
