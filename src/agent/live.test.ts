import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accepted, failed, line } from '../../test/fixtures/authlog/lines.js';
import { until } from '../../test/fleet/sim-agent.js';
import { FakeRoot } from '../../test/helpers/fake-proc.js';
import { hashSecret, newId, newSecret } from '../server/auth/secrets.js';
import { type RunningServer, runServer } from '../server/run.js';
import type { Agent } from './agent.js';
import { authFeeds } from './auth-feed.js';
import { AgentConfigSchema, loadAgentConfig } from './config.js';
import { startAgent } from './run.js';

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
  srv = await runServer({ db: `sqlite:${join(root.root, 'server.db')}`, host: '127.0.0.1', port: 0 });
  const token = newSecret('mwe');
  await srv.store.auth.createEnrollmentToken({
    id: newId('e'),
    tokenHash: hashSecret(token),
    createdBy: 'test',
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 60_000),
    maxUses: 1,
  });
  const config = loadAgentConfig(undefined, {
    server: srv.url,
    token,
    stateDir: join(root.root, 'state'),
    // An hour between scans: whatever reaches the server during the test came through the live path.
    scanIntervalMs: 3_600_000,
    heartbeatIntervalMs: 3_600_000,
    scan: { root: root.root, sampleMs: 0, hash: false },
    fleetBans: { enabled: false },
    contentSync: { enabled: false },
    sources: {
      exec: 'off',
      authLog: { paths: ['/var/log/auth.log'], journal: 'off', pollMs: 100 },
      dnsWatch: { pollMs: 100 },
      flushMs: 100,
    },
  });
  mkdirSync(config.stateDir, { recursive: true });
  agent = await startAgent(config);
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
});
