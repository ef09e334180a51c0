import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudOverrides } from '../cli/commands/cloud-options.js';
import type { Host } from '../model/host.js';
import type { IngestBatch } from '../store/types.js';
import { AgentCloudFeed, CLOUD_STATE_FILE, openAgentCloudWatch } from './cloud-feed.js';
import { loadAgentConfig } from './config.js';

const HOST: Host = { id: 'collector-1', name: 'collector' };
const HEADER =
  'version account-id instance-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n';
const minerFlow = (instance: string) =>
  `5 123456789010 ${instance} eni-${instance.slice(2)} 10.0.9.9 192.0.2.99 40123 14444 6 20 4000 1795082400 1795082460 ACCEPT OK\n`;

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mw-agent-cloud-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const config = (stateDir: string, cloud: Record<string, unknown>) =>
  loadAgentConfig(undefined, { server: 'http://127.0.0.1:9', stateDir, cloud });

describe('agent cloud-log feed', () => {
  it('is off without directories; flags give the config keys, seconds become ms', async () => {
    const c = loadAgentConfig(undefined, { server: 'http://127.0.0.1:9' });
    expect(c.cloud).toMatchObject({ vpcFlow: [], resolver: [], intervalMs: 10_000 });
    expect(await openAgentCloudWatch(c)).toBeNull();
    const flags = {
      cloudVpcFlow: ['/a', '/b'],
      cloudResolver: [],
      cloudCloudtrail: [],
      cloudGcp: ['/g'],
      cloudAzureNsg: [],
      cloudInterval: 30,
    };
    expect(cloudOverrides(flags)).toEqual({ vpcFlow: ['/a', '/b'], gcp: ['/g'], intervalMs: 30_000 });
    expect(
      cloudOverrides({
        cloudVpcFlow: [],
        cloudResolver: [],
        cloudCloudtrail: [],
        cloudGcp: [],
        cloudAzureNsg: [],
      }),
    ).toBeUndefined();
    expect(() => config(dir, { intervalMs: 50 })).toThrow(/cloud\.intervalMs/);
    expect(() => config(dir, { vpcFlows: ['/a'] })).toThrow(/cloud/);
  });

  it('queues new findings as the agent host, the findings keeping the host the cloud log names; a restart repeats nothing', async () => {
    const inbox = join(dir, 'vpc');
    const stateDir = join(dir, 'state');
    mkdirSync(inbox);
    const hosts = join(dir, 'hosts.json');
    writeFileSync(hosts, JSON.stringify({ hosts: [{ id: HOST.id, instanceIds: ['i-0c0ffee0000000001'] }] }));
    const c = config(stateDir, { vpcFlow: [inbox], hosts });
    const queued: IngestBatch[] = [];
    const open = async () => {
      const watcher = await openAgentCloudWatch(c);
      expect(watcher).not.toBeNull();
      return new AgentCloudFeed(watcher!, {
        intervalMs: 200,
        host: () => HOST,
        enqueue: (b) => queued.push(b),
      });
    };
    let feed = await open();
    writeFileSync(
      join(inbox, 'f1.log'),
      HEADER + minerFlow('i-0c0ffee0000000001') + minerFlow('i-0c0ffee0000000002'),
    );
    await feed.poll();
    await feed.poll();
    // Own host first, other hosts apart: a server that refuses the latter still takes the former.
    expect(queued.map((b) => [b.host.id, b.findings.map((f) => `${f.ruleId} @${f.host.id}`)])).toEqual([
      [HOST.id, [`cloud.flow.miner-port @${HOST.id}`]],
      [HOST.id, ['cloud.flow.miner-port @i-0c0ffee0000000002']],
    ]);
    expect(new Set(queued.map((b) => b.batchId)).size).toBe(2);
    expect(feed.status()).toMatchObject({ looks: 2, filesRead: 1, findings: 2 });
    expect(existsSync(join(stateDir, CLOUD_STATE_FILE))).toBe(true);

    feed = await open();
    await feed.poll();
    await feed.poll();
    expect(queued).toHaveLength(2);
    expect(feed.status()).toMatchObject({ filesRead: 1, findings: 0 });

    // The loop stops at once, a look in flight finishing first.
    feed.start();
    const t = Date.now();
    await feed.stop();
    expect(Date.now() - t).toBeLessThan(2000);
  });

  it('a missing directory or a file fails with the flag and the path', async () => {
    const file = join(dir, 'one.log');
    writeFileSync(file, HEADER);
    await expect(openAgentCloudWatch(config(dir, { resolver: [join(dir, 'nope')] }))).rejects.toThrow(
      `${join(dir, 'nope')}: --cloud-resolver (cloud.resolver): no such directory`,
    );
    await expect(openAgentCloudWatch(config(dir, { azureNsg: [file] }))).rejects.toThrow(
      `${file}: --cloud-azure-nsg (cloud.azureNsg): not a directory`,
    );
  });
});
