import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/agent/agent.js';
import { CLOUD_STATE_FILE } from '../../src/agent/cloud-feed.js';
import { loadAgentConfig } from '../../src/agent/config.js';
import { startAgent } from '../../src/agent/run.js';
import { MinewardenError } from '../../src/model/errors.js';
import type { Finding } from '../../src/model/finding.js';
import { hashSecret, newId, newSecret } from '../../src/server/auth/secrets.js';
import { parseServerConfig, type ServerConfigInput } from '../../src/server/config.js';
import type { RunningServer } from '../../src/server/run.js';
import { runCli } from '../helpers/cli.js';
import { resolverQueryLine } from '../helpers/cloud-lines.js';
import { FakeRoot } from '../helpers/fake-proc.js';
import { enrollmentToken, sqliteServer, startEnrolledAgent } from '../helpers/fleet-harness.js';
import { until } from './sim-agent.js';

/** The agent's host id: the fake root's machine-id. */
const AGENT_HOST = '0123456789abcdef0123456789abcdef';
const HEADER =
  'version account-id instance-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n';
/** One accepted flow from an instance to a mining port (cloud.flow.miner-port names the instance as the host). */
const minerFlow = (instance: string, port = 14444) =>
  `5 123456789010 ${instance} eni-${instance.slice(2)} 10.0.9.9 192.0.2.99 40123 ${port} 6 20 4000 1795082400 1795082460 ACCEPT OK\n`;
/** A Route 53 Resolver query log line: an instance resolving a pool domain. */
const poolQuery = (instance: string, srcaddr: string) =>
  resolverQueryLine({ instance, srcaddr, name: 'pool.supportxmr.com', answer: '198.51.100.77' });

let dir = '';
let fake: FakeRoot;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mw-cloud-feed-'));
  fake = new FakeRoot();
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(fake.root, { recursive: true, force: true });
});

/** As a log shipper delivers: written under a partial name, then renamed complete. */
function deliver(inbox: string, name: string, text: string): void {
  writeFileSync(join(inbox, `${name}.tmp`), text);
  renameSync(join(inbox, `${name}.tmp`), join(inbox, name));
}

async function viewerToken(srv: RunningServer): Promise<string> {
  const userId = newId('u');
  await srv.store.auth.createUser({
    id: userId,
    name: `viewer-${userId}`,
    role: 'viewer',
    passwordHash: 'x',
    createdAt: new Date(),
  });
  const token = newSecret('mwt');
  await srv.store.auth.createApiToken({
    id: newId('t'),
    userId,
    name: 'test',
    role: 'viewer',
    tokenHash: hashSecret(token),
    createdAt: new Date(),
    expiresAt: null,
  });
  return token;
}

/** The API's view: every host with its findings, as `ruleId @host`. */
async function apiFindings(srv: RunningServer, token: string, ruleId: string): Promise<string[]> {
  const res = await fetch(`${srv.url}/api/hosts?findings=1000`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { hosts: { id: string; findings: Finding[] }[] };
  return body.hosts.flatMap((h) =>
    h.findings.filter((f) => f.ruleId === ruleId).map((f) => `${f.ruleId} @${h.id}`),
  );
}

/** Every cloud finding the server's ingest commits (from agents or its own watch), by id, in order. */
function recordDeliveries(srv: RunningServer): string[] {
  const ids: string[] = [];
  srv.ctx.ingest.onIngested((b) => {
    for (const f of b.findings) if (f.ruleId.startsWith('cloud.')) ids.push(f.id);
  });
  return ids;
}

const MINER = 'cloud.flow.miner-port';

describe('server --cloud-*: the server watches a shipper directory itself', () => {
  it('stores a planted mining flow once, under the instance, and repeats nothing after a restart', async () => {
    const base = join(dir, 'server');
    const inbox = join(base, 'vpc');
    mkdirSync(inbox, { recursive: true });
    const config = parseServerConfig({
      cloud: { vpcFlow: [inbox], state: join(base, 'cloud-state.json'), intervalMs: 200 },
    });
    let srv = await sqliteServer(base, { config });
    let delivered = recordDeliveries(srv);
    const token = await viewerToken(srv);
    try {
      deliver(inbox, 'f1.log', HEADER + minerFlow('i-0c0ffee0000000001'));
      await until('the finding in the API', async () => (await apiFindings(srv, token, MINER)).length > 0);
      expect(await apiFindings(srv, token, MINER)).toEqual([`${MINER} @i-0c0ffee0000000001`]);
      expect(delivered).toHaveLength(1);
      const first = delivered[0];
      await srv.close();

      srv = await sqliteServer(base, { config });
      delivered = recordDeliveries(srv);
      // A file delivered after the restart is read (the watch runs); the first file's finding is not sent again.
      deliver(inbox, 'f2.log', HEADER + minerFlow('i-0c0ffee0000000002'));
      await until(
        'the second finding in the API',
        async () => (await apiFindings(srv, token, MINER)).length > 1,
      );
      expect((await apiFindings(srv, token, MINER)).sort()).toEqual([
        `${MINER} @i-0c0ffee0000000001`,
        `${MINER} @i-0c0ffee0000000002`,
      ]);
      expect(delivered).toHaveLength(1);
      expect(delivered).not.toContain(first);
      expect(srv.cloud?.findings).toBe(1);
    } finally {
      await srv.close();
    }
  });

  it('feeds fleet correlation: the same pool resolved by two instances is one fleet incident', async () => {
    const base = join(dir, 'server-fleet');
    const inbox = join(base, 'dns');
    mkdirSync(inbox, { recursive: true });
    const srv = await sqliteServer(base, {
      config: parseServerConfig({
        cloud: { resolver: [inbox], state: join(base, 'cloud-state.json'), intervalMs: 200 },
        fleet: { minHosts: 2, everyMs: 60_000 },
      }),
    });
    const token = await viewerToken(srv);
    try {
      deliver(
        inbox,
        'q1.log',
        poolQuery('i-0c0ffee0000000011', '10.0.1.11') + poolQuery('i-0c0ffee0000000012', '10.0.1.12'),
      );
      const incidents = async () => {
        const res = await fetch(`${srv.url}/api/fleet/incidents`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return (
          (await res.json()) as { incidents: { kind: string; indicator: string; hosts: { id: string }[] }[] }
        ).incidents;
      };
      await until('a fleet incident', async () => (await incidents()).length > 0);
      const [inc] = await incidents();
      expect(inc?.kind).toBe('pool');
      expect(inc?.hosts.map((h) => h.id).sort()).toEqual(['i-0c0ffee0000000011', 'i-0c0ffee0000000012']);
    } finally {
      await srv.close();
    }
  });
});

describe('agent --cloud-*: an agent watches a shipper directory and ships through its queue', () => {
  it('a collector agent: the finding is stored once under the instance, and not shipped again after a restart', async () => {
    const base = join(dir, 'agent');
    const inbox = join(base, 'vpc');
    const stateDir = join(base, 'state');
    mkdirSync(inbox, { recursive: true });
    const srv = await sqliteServer(base, {
      config: parseServerConfig({ cloud: { collectors: [AGENT_HOST] } }),
    });
    const delivered = recordDeliveries(srv);
    const token = await viewerToken(srv);
    const cloud = { cloud: { vpcFlow: [inbox], intervalMs: 200 } };
    let agent: Agent | null = await startEnrolledAgent(srv, { root: fake.root, stateDir }, cloud);
    try {
      deliver(inbox, 'f1.log', HEADER + minerFlow('i-0c0ffee0000000021'));
      await until('the finding in the API', async () => (await apiFindings(srv, token, MINER)).length > 0);
      expect(await apiFindings(srv, token, MINER)).toEqual([`${MINER} @i-0c0ffee0000000021`]);
      expect(existsSync(join(stateDir, CLOUD_STATE_FILE))).toBe(true);
      await agent.stop();
      agent = null;

      agent = await startEnrolledAgent(srv, { root: fake.root, stateDir }, cloud);
      deliver(inbox, 'f2.log', HEADER + minerFlow('i-0c0ffee0000000022'));
      await until(
        'the second finding in the API',
        async () => (await apiFindings(srv, token, MINER)).length > 1,
      );
      expect(delivered).toHaveLength(2);
      expect(new Set(delivered).size).toBe(2);
      expect((await apiFindings(srv, token, MINER)).sort()).toEqual([
        `${MINER} @i-0c0ffee0000000021`,
        `${MINER} @i-0c0ffee0000000022`,
      ]);
      // The agent's own host keeps what it reported about itself; the instances are hosts of their own.
      expect((await srv.store.fleet.getHost(AGENT_HOST))?.agentId).not.toBeNull();
      expect((await srv.store.fleet.getHost('i-0c0ffee0000000021'))?.agentId).toBeNull();
      expect(agent.queue.counter('rejected')).toBe(0);
    } finally {
      await agent?.stop();
      await srv.close();
    }
  });

  it('an agent the server does not list as a collector ships what the host map joins to its own host, nothing else', async () => {
    const base = join(dir, 'agent-plain');
    const inbox = join(base, 'vpc');
    const stateDir = join(base, 'state');
    mkdirSync(inbox, { recursive: true });
    const hosts = join(base, 'hosts.json');
    writeFileSync(
      hosts,
      JSON.stringify({
        hosts: [{ id: AGENT_HOST, name: 'collector', instanceIds: ['i-0c0ffee0000000031'] }],
      }),
    );
    const srv = await sqliteServer(base, { config: parseServerConfig({}) });
    const token = await viewerToken(srv);
    const agent = await startEnrolledAgent(
      srv,
      { root: fake.root, stateDir },
      { cloud: { vpcFlow: [inbox], hosts, intervalMs: 200 } },
    );
    try {
      deliver(inbox, 'f1.log', HEADER + minerFlow('i-0c0ffee0000000031') + minerFlow('i-0c0ffee0000000032'));
      await until('the own-host finding stored and the other refused', async () => {
        return (await apiFindings(srv, token, MINER)).length > 0 && agent.queue.counter('rejected') > 0;
      });
      expect(await apiFindings(srv, token, MINER)).toEqual([`${MINER} @${AGENT_HOST}`]);
      expect(agent.queue.counter('rejected')).toBe(1);
      expect(await srv.store.fleet.getHost('i-0c0ffee0000000032')).toBeNull();
    } finally {
      await agent.stop();
      await srv.close();
    }
  });
});

describe('a cloud directory that is missing or a file', () => {
  const cases = (base: string) => [
    { path: join(base, 'nope'), code: 'MW_INPUT_NOT_FOUND', says: 'no such directory' },
    { path: join(base, 'file.log'), code: 'MW_USAGE', says: 'not a directory' },
  ];

  it('stops the agent before it enrolls, naming the flag and the path', async () => {
    const base = join(dir, 'bad-agent');
    mkdirSync(base, { recursive: true });
    writeFileSync(join(base, 'file.log'), HEADER);
    const srv = await sqliteServer(base);
    try {
      for (const c of cases(base)) {
        const stateDir = join(base, `state-${c.code}`);
        const config = loadAgentConfig(undefined, {
          server: srv.url,
          token: await enrollmentToken(srv),
          stateDir,
          scan: { root: fake.root },
          cloud: { vpcFlow: [c.path] },
        });
        const err = await startAgent(config).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(MinewardenError);
        expect((err as MinewardenError).code).toBe(c.code);
        expect((err as MinewardenError).message).toContain('--cloud-vpc-flow');
        expect((err as MinewardenError).message).toContain(c.path);
        expect((err as MinewardenError).message).toContain(c.says);
        // Not enrolled: the token is still unused and no credential was written.
        expect(existsSync(join(stateDir, 'credential.json'))).toBe(false);
      }
      expect(await srv.store.auth.listAgents()).toEqual([]);
    } finally {
      await srv.close();
    }
  });

  it('stops the server before it opens its store, naming the flag and the path', async () => {
    const base = join(dir, 'bad-server');
    mkdirSync(base, { recursive: true });
    writeFileSync(join(base, 'file.log'), HEADER);
    for (const c of cases(base)) {
      const input: ServerConfigInput = { cloud: { cloudtrail: [c.path] } };
      const err = await sqliteServer(base, { config: parseServerConfig(input) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MinewardenError);
      expect((err as MinewardenError).code).toBe(c.code);
      expect((err as MinewardenError).message).toContain('--cloud-cloudtrail');
      expect((err as MinewardenError).message).toContain(c.path);
    }
    expect(existsSync(join(base, 'server.db'))).toBe(false);
  });

  it('the CLI prints one line and exits 2, for the agent and the server', async () => {
    const base = join(dir, 'bad-cli');
    mkdirSync(base, { recursive: true });
    const missing = join(base, 'nope');
    const agent = await runCli([
      'agent',
      '--server',
      'http://127.0.0.1:9',
      '--token',
      'unused',
      '--state-dir',
      join(base, 'state'),
      '--cloud-vpc-flow',
      missing,
    ]);
    expect(agent.code).toBe(2);
    expect(agent.stderr).toBe(
      `minewarden: MW_INPUT_NOT_FOUND: ${missing}: --cloud-vpc-flow (cloud.vpcFlow): no such directory\n`,
    );
    const server = await runCli([
      'server',
      '--db',
      `sqlite:${join(base, 'server.db')}`,
      '--port',
      '0',
      '--cloud-resolver',
      missing,
    ]);
    expect(server.code).toBe(2);
    expect(server.stderr).toBe(
      `minewarden: MW_INPUT_NOT_FOUND: ${missing}: --cloud-resolver (cloud.resolver): no such directory\n`,
    );
  });
});
