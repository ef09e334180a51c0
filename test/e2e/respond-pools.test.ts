import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTool } from '../../src/respond/exec.js';
import { runCli } from '../helpers/cli.js';
import { TestDns } from '../helpers/dnsmasq.js';
import { canUseNetns } from '../helpers/netns.js';

const REQUIRE = process.env.MINEWARDEN_REQUIRE_SERVICES === '1';
const dnsmasq = findTool('dnsmasq');
const nft = findTool('nft');
const netnsOk = canUseNetns();
if (REQUIRE && (!dnsmasq || !nft || !netnsOk))
  throw new Error(
    `MINEWARDEN_REQUIRE_SERVICES=1 but ${!dnsmasq ? 'dnsmasq (Debian: dnsmasq-base)' : !nft ? 'nft (nftables)' : 'network namespaces (root and ip)'} is missing`,
  );

interface Resolution {
  name: string;
  addrs: string[];
  error?: string;
  sinkhole: boolean;
}

describe.skipIf(!dnsmasq || !nft || !netnsOk)('respond on the command line: pool domains by address', () => {
  const ns = `mw-rpc-${process.pid}`;
  let dir: string;
  let dns: TestDns;
  let common: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mw-respond-pools-'));
    dns = await TestDns.start(dnsmasq!, join(dir, 'hosts'), '198.51.100.30 moving.test\n', [
      '/pool.test/192.0.2.10',
      '/pool.test/2001:db8::10',
      '/nx.test/',
      '/sink.test/127.0.0.1',
    ]);
    execFileSync('ip', ['netns', 'add', ns]);
    const finding = {
      id: 'f-1',
      ruleId: 'net.pool-connection',
      title: 'pool',
      severity: 'high',
      confidence: 0.9,
      category: 'impact',
      techniques: ['T1496'],
      host: { id: 'h', name: 'h' },
      time: '2026-01-01T00:00:00.000Z',
      entity: { kind: 'process', pid: 4_000_000 },
      evidence: {
        commandLine: 'xmrig -o pool.test:3333 -o nx.test:1 -o sink.test:2 -o stratum+tcp://moving.test:5',
      },
    };
    writeFileSync(join(dir, 'scan.json'), JSON.stringify({ findings: [finding], incidents: [] }));
    common = ['--resolver', dns.server, '--netns', ns, '--state-dir', join(dir, 'state'), '--format', 'json'];
  });

  afterAll(() => {
    dns?.stop();
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {}
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('plans, applies, refreshes and undoes blocks of resolved pool names', async () => {
    const args = ['respond', '--finding', 'f-1', '--from', join(dir, 'scan.json'), ...common];
    const dry = await runCli(args);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout) as {
      actions: Array<{ target: string; status: string }>;
      resolution: Resolution[];
      notes: string[];
    };
    expect(plan.actions.map((a) => [a.target, a.status])).toEqual([
      ['pool.test', 'planned'],
      ['moving.test', 'planned'],
    ]);
    expect(plan.resolution).toEqual([
      expect.objectContaining({ name: 'pool.test', addrs: ['192.0.2.10', '2001:db8::10'] }),
      expect.objectContaining({ name: 'nx.test', addrs: [], error: 'NXDOMAIN' }),
      expect.objectContaining({ name: 'sink.test', addrs: [], sinkhole: true }),
      expect.objectContaining({ name: 'moving.test', addrs: ['198.51.100.30'] }),
    ]);
    expect(execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'ruleset'], { encoding: 'utf8' })).toBe(
      '',
    );

    const applied = await runCli([...args, '--apply']);
    expect(applied.code, applied.stderr).toBe(0);
    const runId = (JSON.parse(applied.stdout) as { runId: string }).runId;
    const rules = execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'ruleset'], { encoding: 'utf8' });
    expect(rules).toMatch(/192\.0\.2\.10 timeout 1d expires \S+ comment "minewarden pool\.test"/);
    expect(rules).toMatch(/2001:db8::10 timeout 1d expires \S+ comment "minewarden pool\.test"/);
    expect(rules).toMatch(/198\.51\.100\.30 timeout 1d expires \S+ comment "minewarden moving\.test"/);

    await dns.setHosts('198.51.100.31 moving.test\n', { name: 'moving.test', addr: '198.51.100.31' });
    const refresh = await runCli(['respond', '--refresh-blocks', '--apply', ...common]);
    expect(refresh.code, refresh.stderr).toBe(0);
    const r = JSON.parse(refresh.stdout) as { refreshed: Array<{ names: string[]; added: string[] }> };
    expect(r.refreshed.find((x) => x.names[0] === 'moving.test')?.added).toEqual(['198.51.100.31']);
    expect(
      execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'set', 'inet', 'minewarden', 'pool_v4'], {
        encoding: 'utf8',
      }),
    ).toMatch(/198\.51\.100\.31 timeout \S+ expires \S+ comment "minewarden moving\.test"/);

    const undo = await runCli(['undo', '--run', runId, '--state-dir', join(dir, 'state')]);
    expect(undo.code, undo.stderr).toBe(0);
    for (const set of ['pool_v4', 'pool_v6']) {
      const left = execFileSync(
        'ip',
        ['netns', 'exec', ns, 'nft', 'list', 'set', 'inet', 'minewarden', set],
        {
          encoding: 'utf8',
        },
      );
      expect(left).not.toMatch(/elements/);
    }
  });

  it('a --resolver that is not an address is a usage error naming the option', async () => {
    const bad = await runCli([
      'respond',
      '--refresh-blocks',
      '--resolver',
      'ns.example',
      '--state-dir',
      join(dir, 'state'),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/field --resolver: not IP, IP:PORT or \[IPv6\]:PORT: ns\.example/);
  });
});
