import { appendFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accepted, failed, line } from '../../test/fixtures/authlog/lines.js';
import { until } from '../../test/fleet/sim-agent.js';
import { FakeRoot } from '../../test/helpers/fake-proc.js';
import {
  addAgent,
  bruteForceFinding,
  ingestAs,
  sqliteServer,
  startEnrolledAgent,
} from '../../test/helpers/fleet-harness.js';
import type { Detector } from '../detect/detector.js';
import { sshDetectors } from '../detect/detectors/ssh-detectors.js';
import type { TelemetryEvent } from '../model/event.js';
import { parseServerConfig } from '../server/config.js';
import type { RunningServer } from '../server/run.js';
import type { IngestBatch } from '../store/types.js';
import type { Agent } from './agent.js';
import { authFeeds, authFileFeed } from './auth-feed.js';
import { AgentConfigSchema, loadAgentConfig } from './config.js';
import { LiveDetection } from './live-detect.js';
import { agentRegistry } from './metrics.js';

let srv: RunningServer;
let root: FakeRoot;
let agent: Agent;
const HOST = '0123456789abcdef0123456789abcdef';

async function storedRules(): Promise<string[]> {
  const rows = await srv.store.fleet.listFindings({ hostId: HOST, limit: 1000 });
  return rows.map((r) => r.finding.ruleId);
}

beforeAll(async () => {
  root = new FakeRoot();
  mkdirSync(join(root.root, 'var/log'), { recursive: true });
  writeFileSync(join(root.root, 'var/log/auth.log'), '');
  writeFileSync(join(root.root, 'etc/resolv.conf'), 'nameserver 10.0.0.1\n');
  srv = await sqliteServer(root.root, {
    config: parseServerConfig({ fleet: { banMinHosts: 2, everyMs: 60_000 } }),
  });
  // Scans an hour apart (the harness default): whatever reaches the server during the test came through the live path.
  agent = await startEnrolledAgent(
    srv,
    { root: root.root, stateDir: join(root.root, 'state') },
    {
      fleetBans: { pollMs: 1000 },
      sources: {
        exec: 'off',
        authLog: { paths: ['/var/log/auth.log'], journal: 'off', pollMs: 100 },
        dnsWatch: { pollMs: 100 },
        flushMs: 100,
      },
    },
  );
  await until('first scan', () => agent.scans >= 1 || agent.lastError !== null);
});

afterAll(async () => {
  await agent?.stop();
  await srv?.close();
  rmSync(root.root, { recursive: true, force: true });
});

describe('agent live detection', () => {
  it('ships brute force and success-after-failures within 5 s of the lines being written', async () => {
    const lines = [
      ...Array.from({ length: 8 }, (_, i) => line(i * 3, failed('203.0.113.77', i % 2 ? 'admin' : 'root'))),
      line(40, accepted('203.0.113.77', 'admin')),
    ];
    appendFileSync(join(root.root, 'var/log/auth.log'), `${lines.join('\n')}\n`);
    await until(
      'auth findings stored',
      async () => {
        const rules = await storedRules();
        return rules.includes('ssh.brute-force') && rules.includes('ssh.success-after-failures');
      },
      5000,
    );
    const rows = await srv.store.fleet.listFindings({ hostId: HOST, limit: 1000 });
    const brute = rows.find((r) => r.finding.ruleId === 'ssh.brute-force')?.finding;
    expect(brute?.entity.ip).toBe('203.0.113.77');
    const after = rows.find((r) => r.finding.ruleId === 'ssh.success-after-failures')?.finding;
    expect(after?.evidence).toMatchObject({ loggedInAs: 'admin', failuresBefore: 8 });
  });

  it('reports a changed resolver under --root as a DNS routing change', async () => {
    expect(await storedRules()).not.toContain('dns.routing-change');
    writeFileSync(join(root.root, 'etc/resolv.conf'), 'nameserver 203.0.113.53\n');
    await until('dns finding stored', async () => (await storedRules()).includes('dns.routing-change'));
    const rows = await srv.store.fleet.listFindings({ hostId: HOST, limit: 1000 });
    const f = rows.find((r) => r.finding.ruleId === 'dns.routing-change')?.finding;
    expect(f).toMatchObject({
      severity: 'high',
      entity: { kind: 'config', path: '/etc/resolv.conf' },
      evidence: { added: ['nameserver 203.0.113.53'], removed: ['nameserver 10.0.0.1'] },
    });
  });
});

describe('fleet attackers', () => {
  it('a login from an address the fleet bans is ssh.fleet-attacker-login, found by the live SSH detectors', async () => {
    const ip = '198.51.100.23';
    for (const h of ['b1', 'b2']) await ingestAs(srv, await addAgent(srv, h), h, [bruteForceFinding(h, ip)]);
    await srv.ctx.fleet.kick();
    // The agent has the list once it recorded what it did with it.
    await until('ban list polled', () => existsSync(join(root.root, 'state', 'fleet-bans.json')));
    appendFileSync(join(root.root, 'var/log/auth.log'), `${line(100, accepted(ip, 'deploy'))}\n`);
    await until('fleet attacker login stored', async () =>
      (await storedRules()).includes('ssh.fleet-attacker-login'),
    );
    const rows = await srv.store.fleet.listFindings({ hostId: HOST, limit: 1000 });
    const f = rows.find((r) => r.finding.ruleId === 'ssh.fleet-attacker-login')?.finding;
    expect(f?.evidence).toMatchObject({ ip, user: 'deploy', bruteForcedHosts: ['b1', 'b2'] });
  });
});

describe('live detection engine', () => {
  it('runs a changing set of extra detectors without resetting the SSH windows', async () => {
    const queued: IngestBatch[] = [];
    let extra: readonly Detector[] = [];
    const marker: Detector = {
      meta: {
        id: 'test.marker',
        title: 'marker',
        severity: 'low',
        confidence: 0.5,
        category: 'discovery',
        techniques: [],
        recommendation: 'none needed',
        falsePositives: 'none',
      },
      kinds: ['auth'],
      detect: (e) => ({ entity: { kind: 'source-ip', ip: String(e.fields['source.ip']) }, evidence: {} }),
    };
    const live = new LiveDetection({
      host: () => ({ id: 'h', name: 'h' }),
      detectors: () => sshDetectors(),
      extra: () => extra,
      feeds: [],
      enqueue: (b) => queued.push(b),
      flushMs: 60_000,
    });
    const ev = (n: number, outcome: 'failure' | 'success'): TelemetryEvent => ({
      kind: 'auth',
      time: 1_700_000_000_000 + n * 1000,
      hostId: 'h',
      source: 'test',
      fields: {
        'auth.outcome': outcome,
        'auth.reason': outcome === 'failure' ? 'failed' : 'accepted',
        'auth.user': 'root',
        'source.ip': '203.0.113.5',
      },
    });
    for (let i = 0; i < 3; i++) live.push(ev(i, 'failure'));
    live.flush();
    expect(queued).toHaveLength(0);
    extra = [marker];
    for (let i = 3; i < 6; i++) live.push(ev(i, 'failure'));
    live.flush();
    // Six failures in one window: the brute-force count survived the new extra list.
    const rules = queued.flatMap((b) => b.findings.map((f) => f.ruleId)).sort();
    expect(rules).toEqual(['ssh.brute-force', 'test.marker']);
    live.flush();
    expect(queued).toHaveLength(1);
    const text = await agentRegistry(agent, undefined, { live }).metrics();
    expect(text).toMatch(/^minewarden_agent_live_events_total 6$/m);
    expect(text).toMatch(/^minewarden_agent_live_findings_total 2$/m);
    await live.stop();
  });
});

describe('auth-log feeds', () => {
  it('follows the configured files under the root, and the journal only when asked or when no file exists', () => {
    const cfg = AgentConfigSchema.parse({ server: 'http://127.0.0.1:1' }).sources.authLog;
    expect(cfg.paths).toEqual(['/var/log/auth.log', '/var/log/secure']);
    const names = authFeeds(cfg, root.root, 'h').map((f) => f.name);
    expect(names).toEqual([`authlog:${root.root}/var/log/auth.log`, `authlog:${root.root}/var/log/secure`]);
    expect(authFeeds({ ...cfg, journal: 'on' }, root.root, 'h').map((f) => f.name)).toContain(
      'authlog:journal',
    );
    expect(authFeeds({ ...cfg, enabled: false }, '/', 'h')).toEqual([]);
  });

  it('a --root override keeps the other scan and sources keys of the YAML', () => {
    const f = join(root.root, 'agent.yaml');
    writeFileSync(
      f,
      'server: http://127.0.0.1:1\nscan: { sampleMs: 0, hash: false }\nsources: { dnsWatch: { pollMs: 5000 } }\n',
    );
    const c = loadAgentConfig(f, { scan: { root: '/host' }, sources: { exec: 'off' } });
    expect(c.scan).toMatchObject({ root: '/host', sampleMs: 0, hash: false });
    expect(c.sources).toMatchObject({ exec: 'off', dnsWatch: { enabled: true, pollMs: 5000 } });
  });

  it('says once that a log cannot be read, however often the poll fails', async () => {
    // A directory where the log should be: it opens, and every read fails (as an unreadable file does for a
    // non-root agent; root reads through file modes, so a mode cannot stand in for it here).
    const path = join(root.root, 'var/log/not-a-file');
    mkdirSync(path);
    const logs: string[] = [];
    const feed = authFileFeed(path, 'h', 20, (m) => logs.push(m));
    feed.start(() => undefined);
    await until('errors', () => ((feed.status() as { errors: number }).errors ?? 0) >= 5);
    await feed.stop();
    expect(logs).toEqual(['auth log unreadable']);
    expect(feed.status()).toMatchObject({ lastError: expect.stringMatching(/EISDIR/) });
  });
});
