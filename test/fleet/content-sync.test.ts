import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/agent/agent.js';
import { loadCredential } from '../../src/agent/enroll.js';
import { policyApplier } from '../../src/agent/fleet-ban-apply.js';
import { banFinding } from '../../src/agent/fleet-bans.js';
import { ContentSync } from '../../src/agent/policy-sync.js';
import { BuiltinDetectorSet } from '../../src/scan/detector-set.js';
import { hashSecret, newId, newSecret } from '../../src/server/auth/secrets.js';
import type { RunningServer } from '../../src/server/run.js';
import { FakeRoot, tcp4Line } from '../helpers/fake-proc.js';
import { sqliteServer, startEnrolledAgent } from '../helpers/fleet-harness.js';
import { until } from './sim-agent.js';

const HOST = '0123456789abcdef0123456789abcdef';
const RULE_ID = '7d0e3c52-51a4-4c0b-9a11-3f6b2a8e9c41';
const RULES = `title: Helper started with the sync marker
id: ${RULE_ID}
status: test
logsource: { product: linux, category: process_creation }
detection:
  sel: { CommandLine|contains: 'marker-7f3a' }
  condition: sel
level: high
`;
const POLICY = `version: 1
rules:
  - id: ban-fleet
    match: { rules: [fleet.ban-list] }
    actions: [ban]
    mode: simulate
`;

/** The agent's cloud-log watch: VPC flow logs of an instance the host map joins to the agent's host. */
const INSTANCE = 'i-0c0ffee00000000aa';
const FLOW_HEADER =
  'version account-id instance-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n';
const flowTo = (ip: string, port: number) =>
  `5 123456789010 ${INSTANCE} eni-0c0ffee00000000aa 10.1.1.1 ${ip} 40123 ${port} 6 20 4000 1795082400 1795082460 ACCEPT OK\n`;
let inbox: string;

/** As a log shipper delivers: a partial name, then the complete one. */
function deliver(name: string, text: string): void {
  writeFileSync(join(inbox, `${name}.tmp`), text);
  renameSync(join(inbox, `${name}.tmp`), join(inbox, name));
}

let srv: RunningServer;
let fake: FakeRoot;
let agent: Agent;
let admin: string;
let stateDir: string;

async function put(kind: string, body: unknown): Promise<Response> {
  return fetch(new URL(`/api/content/${kind}`, srv.url), {
    method: 'PUT',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function findings(): Promise<{ ruleId: string; ip?: string }[]> {
  const rows = await srv.store.fleet.listFindings({ hostId: HOST, limit: 1000 });
  return rows.map((r) => ({
    ruleId: r.finding.ruleId,
    ...(r.finding.entity.ip ? { ip: r.finding.entity.ip } : {}),
  }));
}

/** A content sync with the enrolled agent's credential and state dir that polls only when the test asks. */
function agentContentSync(): ContentSync {
  const cred = loadCredential(stateDir)!;
  return new ContentSync({ server: srv.url, credential: () => cred.credential, stateDir, pollMs: 60_000 });
}

beforeAll(async () => {
  fake = new FakeRoot()
    .add({ pid: 1, comm: 'init', argv: ['/sbin/init'], exe: '/sbin/init' })
    .add({
      pid: 90,
      comm: 'helper',
      argv: ['/usr/local/bin/helper', '--sync', 'marker-7f3a'],
      exe: '/usr/local/bin/helper',
      sockets: [6],
    })
    .netTable('tcp', [tcp4Line(0, '10.1.1.1', 50000, '198.51.100.77', 8443, '01', 6)]);
  srv = await sqliteServer(fake.root);
  const userId = newId('u');
  await srv.store.auth.createUser({
    id: userId,
    name: 'root-admin',
    role: 'admin',
    passwordHash: 'x',
    createdAt: new Date(),
  });
  admin = newSecret('mwt');
  await srv.store.auth.createApiToken({
    id: newId('t'),
    userId,
    name: 'test',
    role: 'admin',
    tokenHash: hashSecret(admin),
    createdAt: new Date(),
    expiresAt: null,
  });
  stateDir = join(fake.root, 'state');
  inbox = join(fake.root, 'vpc');
  mkdirSync(inbox);
  const hosts = join(fake.root, 'hosts.json');
  writeFileSync(hosts, JSON.stringify({ hosts: [{ id: HOST, name: 'h', instanceIds: [INSTANCE] }] }));
  agent = await startEnrolledAgent(
    srv,
    { root: fake.root, stateDir },
    {
      scanIntervalMs: 1000,
      heartbeatIntervalMs: 500,
      contentSync: { pollMs: 500 },
      cloud: { vpcFlow: [inbox], hosts, intervalMs: 200 },
    },
  );
});

afterAll(async () => {
  await agent?.stop();
  await srv?.close();
  fake.cleanup();
});

describe('policy, rules and intel pushed to agents', () => {
  it('an agent applies pushed rules and intel in its scans and reports the versions in its heartbeat', async () => {
    await until('first scan shipped', async () => (await findings()).length > 0 || agent.scans >= 2);
    // Before anything is pushed: the address is in no built-in list and no built-in rule knows the marker.
    const before = await findings();
    expect(before.some((f) => f.ruleId === 'net.pool-connection')).toBe(false);
    expect(before.some((f) => f.ruleId === `sigma.${RULE_ID}`)).toBe(false);
    // The cloud-log watch: a flow to the address is no pool flow yet (the miner-port flow beside it shows the file
    // was read).
    deliver('f0.log', FLOW_HEADER + flowTo('198.51.100.77', 8443) + flowTo('192.0.2.99', 14444));
    await until('first flow file read', async () =>
      (await findings()).some((f) => f.ruleId === 'cloud.flow.miner-port'),
    );
    expect((await findings()).some((f) => f.ruleId === 'cloud.flow.pool-address')).toBe(false);

    expect((await put('rules', { yaml: RULES, name: 'fleet-rules' })).status).toBe(200);
    const intel = await put('intel', {
      list: 'fleet',
      text: '# pools seen on our hosts\n198.51.100.77\n',
      version: 'fleet-2026.11.26',
      date: '2026-11-26',
    });
    expect(intel.status).toBe(200);
    expect((await put('policy', { yaml: POLICY, version: 'policy-3' })).status).toBe(200);

    await until('pushed rule and intel findings', async () => {
      const f = await findings();
      return (
        f.some((x) => x.ruleId === `sigma.${RULE_ID}`) &&
        f.some((x) => x.ruleId === 'net.pool-connection' && x.ip === '198.51.100.77')
      );
    });
    // The cloud-log watch uses the pushed intel from its next look on.
    deliver('f1.log', FLOW_HEADER + flowTo('198.51.100.77', 8443));
    await until('cloud flow to the pushed pool', async () =>
      (await findings()).some((f) => f.ruleId === 'cloud.flow.pool-address' && f.ip === '198.51.100.77'),
    );
    const rows = await srv.store.fleet.listFindings({ hostId: HOST, limit: 1000 });
    const pool = rows.find((r) => r.finding.ruleId === 'net.pool-connection')?.finding;
    expect(JSON.stringify(pool?.evidence)).toContain('fleet');

    await until('heartbeat with versions', async () => {
      const hb = await srv.store.fleet.recentHeartbeats(HOST, 5);
      return hb.some((h) => h.content?.intel === 'fleet-2026.11.26' && h.content.policy === 'policy-3');
    });
    const [hb] = (await srv.store.fleet.recentHeartbeats(HOST, 20)).filter((h) => h.content?.rules);
    expect(hb?.content?.rules).toMatch(/^sha256:/);
    expect(existsSync(join(stateDir, 'content', 'rules.json'))).toBe(true);
    // An admin sees which host runs which content.
    const view = await fetch(new URL(`/api/hosts/${HOST}?findings=0`, srv.url), {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(((await view.json()) as { content: unknown }).content).toMatchObject({
      policy: 'policy-3',
      intel: 'fleet-2026.11.26',
    });
  });

  it('polls cheaply (304 while unchanged), drops removed content, and keeps what it applied across restarts', async () => {
    const sync = agentContentSync();
    // Restored from the state dir before any poll: a restart without the server still runs the fleet's content.
    expect(sync.versions()).toMatchObject({ intel: 'fleet-2026.11.26', policy: 'policy-3' });
    expect(sync.policy()?.rules[0]?.id).toBe('ban-fleet');
    expect(sync.poolIntel()?.lookupIp('198.51.100.77')?.list).toBe('fleet');
    await sync.pollOnce();
    expect(sync.notModified).toBe(3);
    const del = await fetch(new URL('/api/content/intel', srv.url), {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(del.status).toBe(204);
    // The server caches for up to two seconds per replica.
    await until('intel dropped', async () => {
      await sync.pollOnce();
      return sync.versions().intel === null;
    });
    expect(sync.poolIntel()).toBeNull();
    // Rules are still pushed: the scan gets the built-in set with the built-in pools, plus the pushed pack.
    const builtin = new BuiltinDetectorSet(fake.root);
    expect(sync.detectors(builtin)?.length).toBe(builtin.forScan().length + sync.rules().length);
    expect(existsSync(join(stateDir, 'content', 'intel.json'))).toBe(false);
    expect(JSON.parse(readFileSync(join(stateDir, 'content', 'policy.json'), 'utf8')).doc.version).toBe(
      'policy-3',
    );
    await sync.stop();
  });

  it('refuses a document that fails validation, keeps the previous one, and asks for it again next poll', async () => {
    // A server that serves what a real one never would (an older or broken server): a policy of version 2.
    const seen: (string | undefined)[] = [];
    const fakeSrv = createServer((req, res) => {
      if (req.url === '/api/agent/policy') {
        seen.push(req.headers['if-none-match']);
        res.writeHead(200, { 'content-type': 'application/json', etag: '"bad-1"' });
        res.end(
          JSON.stringify({
            kind: 'policy',
            version: 'p-bad',
            updatedAt: null,
            body: 'version: 2\n',
            meta: {},
          }),
        );
        return;
      }
      res.writeHead(304).end();
    });
    await new Promise<void>((r) => fakeSrv.listen(0, '127.0.0.1', r));
    const copy = join(fake.root, 'state-copy');
    mkdirSync(join(copy, 'content'), { recursive: true });
    for (const k of ['policy', 'rules'])
      copyFileSync(join(stateDir, 'content', `${k}.json`), join(copy, 'content', `${k}.json`));
    const logs: string[] = [];
    const sync = new ContentSync({
      server: `http://127.0.0.1:${(fakeSrv.address() as AddressInfo).port}`,
      credential: () => 'mwa_x',
      stateDir: copy,
      pollMs: 60_000,
      log: (m) => logs.push(m),
    });
    try {
      await sync.pollOnce();
      await sync.pollOnce();
      expect(sync.versions().policy).toBe('policy-3');
      expect(sync.status().policy.rejected).toMatch(/version/);
      expect(seen).toEqual([expect.any(String), expect.any(String)]);
      expect(seen).not.toContain('"bad-1"');
      // Logged once, not on every poll.
      expect(logs.filter((l) => l === 'content refused')).toHaveLength(1);
      expect(JSON.parse(readFileSync(join(copy, 'content', 'policy.json'), 'utf8')).doc.version).toBe(
        'policy-3',
      );
    } finally {
      await sync.stop();
      await new Promise((r) => fakeSrv.close(r));
    }
  });

  it('hands pushed fleet bans to the pushed policy; without one they are only recorded', async () => {
    const sync = agentContentSync();
    const now = Date.now();
    const ban = banFinding(
      { id: HOST, name: 'fakehost' },
      {
        ip: '198.51.100.23',
        hosts: ['h1', 'h2'],
        firstSeen: new Date(now - 60_000).toISOString(),
        lastSeen: new Date(now).toISOString(),
        expiresAt: new Date(now + 3_600_000).toISOString(),
        reason: 'brute-forced 2 hosts',
      },
      now,
    );
    const bansDir = join(fake.root, 'bans');
    mkdirSync(bansDir);
    // The pushed policy has a simulate rule for fleet.ban-list: journaled, never enforced.
    const [pushed] = await policyApplier({ policy: () => sync.policy(), stateDir: bansDir, root: '/' })([
      ban,
    ]);
    expect(pushed?.outcome).toBe('simulated');
    const [none] = await policyApplier({ policy: () => null, stateDir: bansDir, root: '/' })([ban]);
    expect(none?.outcome).toBe('recorded');
  });
});
