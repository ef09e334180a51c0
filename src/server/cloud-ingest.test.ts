import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bruteForceFinding } from '../../test/helpers/fleet-harness.js';
import { type Finding, findingId } from '../model/finding.js';
import { defaultFeedStatePath } from '../sources/cloud/dir-feed.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import type { IngestBatch } from '../store/types.js';
import { CloudIngest, serverStatePath } from './cloud-ingest.js';
import { parseServerConfig } from './config.js';
import { checkOwnership, IngestRejected, IngestService } from './ingest.js';

const AGENT = 'collector-1';

function cloudFinding(hostId: string, ip = '192.0.2.99'): Finding {
  const entity = { kind: 'connection' as const, ip, port: 14444 };
  return {
    id: findingId(hostId, 'cloud.flow.miner-port', entity),
    ruleId: 'cloud.flow.miner-port',
    title: 'Flow to a mining port',
    severity: 'high',
    confidence: 0.7,
    category: 'impact',
    techniques: ['T1496'],
    host: { id: hostId, name: hostId },
    time: '2026-11-20T10:00:00.000Z',
    entity,
    evidence: {},
  };
}

const batchOf = (findings: Finding[], hostId = AGENT): IngestBatch => ({
  batchId: `b-${findings.map((f) => f.id).join('-')}`.slice(0, 200),
  host: { id: hostId, name: hostId, os: 'debian 12' },
  findings,
  incidents: [],
  heartbeats: [],
  inventory: [],
});

let dir = '';
let store: Store;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mw-cloud-ingest-'));
  store = await openStore(`sqlite:${join(dir, 'db.sqlite')}`);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('agents that watch cloud logs (cloud.collectors)', () => {
  it('an agent not listed reports its own host only; the refusal says what to configure', () => {
    const b = batchOf([cloudFinding('i-0c0ffee0000000001')]);
    expect(() => checkOwnership(b, AGENT)).toThrow(/cloud\.collectors/);
    expect(() => checkOwnership(batchOf([cloudFinding(AGENT)]), AGENT)).not.toThrow();
  });

  it('a listed agent may name other hosts in cloud.* findings only, and still ships as its own host', () => {
    expect(() => checkOwnership(batchOf([cloudFinding('i-0c0ffee0000000001')]), AGENT, true)).not.toThrow();
    const brute = batchOf([bruteForceFinding('other-host', '203.0.113.5')]);
    expect(() => checkOwnership(brute, AGENT, true)).toThrow(IngestRejected);
    const asOther = batchOf([cloudFinding('i-0c0ffee0000000001')], 'other-host');
    expect(() => checkOwnership(asOther, AGENT, true)).toThrow(/enrolled for host collector-1/);
  });

  it("stores a collector's findings under the hosts they name, keeping an agent host's record", async () => {
    const svc = new IngestService(store, [AGENT]);
    const seen: string[] = [];
    svc.onIngested((b, _r, agentId) => seen.push(`${b.host.id} ${agentId ?? '-'} ${b.findings.length}`));
    // web-1 is a host its own agent reported, with its os; the cloud finding about it must not wipe that.
    await store.fleet.ingest(batchOf([], 'web-1'), null, new Date());
    const findings = [cloudFinding(AGENT), cloudFinding('web-1'), cloudFinding('i-0c0ffee0000000001')];
    const r = await svc.accept(batchOf(findings), { agentId: 'a-1', hostId: AGENT });
    expect(r.findings).toBe(3);
    expect(seen).toEqual([`${AGENT} a-1 1`, 'web-1 - 1', 'i-0c0ffee0000000001 - 1']);
    expect((await store.fleet.getHost('web-1'))?.info).toMatchObject({ os: 'debian 12' });
    expect((await store.fleet.getHost('i-0c0ffee0000000001'))?.agentId).toBeNull();
    for (const id of [AGENT, 'web-1', 'i-0c0ffee0000000001'])
      expect((await store.fleet.listFindings({ hostId: id })).map((s) => s.finding.ruleId)).toEqual([
        'cloud.flow.miner-port',
      ]);
    // Resent whole (no answer the first time): the same records, no more.
    await svc.accept(batchOf(findings), { agentId: 'a-1', hostId: AGENT });
    expect(await store.fleet.countFindings()).toBe(3);
  });
});

describe("the server's own cloud-log watch", () => {
  it('is off without directories, and its config keys are checked', async () => {
    const c = parseServerConfig({});
    expect(c.cloud).toMatchObject({ vpcFlow: [], collectors: [], intervalMs: 10_000 });
    expect(await CloudIngest.openWatcher(c.cloud)).toBeNull();
    expect(() => parseServerConfig({ cloud: { vpcFlows: ['/x'] } })).toThrow(/cloud/);
    // Not the file `cloudlogs --watch` keeps for the same directories: neither takes the other's files as read.
    const [mine, cli] = [serverStatePath(['/srv/vpc']), defaultFeedStatePath(['/srv/vpc'])];
    expect(mine).not.toBe(cli);
    expect(dirname(mine)).toBe(dirname(cli));
  });

  it('stores findings through the ingest path, a mapped host keeping its record', async () => {
    const inbox = join(dir, 'vpc');
    mkdirSync(inbox);
    const hosts = join(dir, 'hosts.json');
    writeFileSync(hosts, JSON.stringify({ hosts: [{ id: 'web-2', instanceIds: ['i-0c0ffee0000000002'] }] }));
    await store.fleet.ingest(batchOf([], 'web-2'), null, new Date());
    const c = parseServerConfig({ cloud: { vpcFlow: [inbox], hosts, state: join(dir, 'state.json') } });
    const watcher = await CloudIngest.openWatcher(c.cloud);
    expect(watcher).not.toBeNull();
    const svc = new IngestService(store);
    const batches: string[] = [];
    svc.onIngested((b, _r, _a, via) => batches.push(`${via} ${b.batchId.split(':')[0]} ${b.host.id}`));
    const ingest = new CloudIngest(watcher!, store, svc, c.cloud.intervalMs);
    writeFileSync(
      join(inbox, 'f.log'),
      'version account-id instance-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n' +
        '5 123456789010 i-0c0ffee0000000002 eni-0c0ffee0000000002 10.0.9.9 192.0.2.99 40123 14444 6 20 4000 1795082400 1795082460 ACCEPT OK\n',
    );
    await ingest.poll();
    await ingest.poll();
    expect(batches).toEqual(['local cloud web-2']);
    expect(ingest.findings).toBe(1);
    expect((await store.fleet.getHost('web-2'))?.info).toMatchObject({ os: 'debian 12' });
    expect((await store.fleet.listFindings({ hostId: 'web-2' })).map((s) => s.finding.ruleId)).toEqual([
      'cloud.flow.miner-port',
    ]);
    // Started and closed: the loop ends at once, not after its interval.
    ingest.start();
    const t = Date.now();
    await ingest.close();
    expect(Date.now() - t).toBeLessThan(2000);
  });
});
