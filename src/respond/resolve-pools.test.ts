import { execFileSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDns } from '../../test/helpers/dnsmasq.js';
import { canUseNetns } from '../../test/helpers/netns.js';
import type { Finding } from '../model/finding.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { type BlockParams, domainComments } from './actions/block.js';
import { refreshBlocks } from './actions/block-refresh.js';
import { findTool } from './exec.js';
import { pickFirewall } from './firewall/index.js';
import { Journal } from './journal/journal.js';
import { buildPlan } from './planner.js';
import { loadPolicy, parsePolicy } from './policy.js';
import {
  parseResolverAddr,
  type ResolveSettings,
  resolveName,
  resolvePlanDomains,
  resolveSettings,
} from './resolve-pools.js';
import { runPlan, undoEntries } from './runner.js';
import { SafetyGuard } from './safety.js';
import type { ActionContext } from './types.js';

const REQUIRE = process.env.MINEWARDEN_REQUIRE_SERVICES === '1';
const dnsmasq = findTool('dnsmasq');
const netnsOk = canUseNetns();
if (REQUIRE && !dnsmasq)
  throw new Error('MINEWARDEN_REQUIRE_SERVICES=1 but dnsmasq is not installed (Debian: dnsmasq-base)');
if (REQUIRE && !netnsOk)
  throw new Error(
    'MINEWARDEN_REQUIRE_SERVICES=1 but network namespaces are not available (needs root and ip)',
  );

/** The answers: a pool on TEST-NET addresses (never contacted, only put in sets) and names that must not be. */
const ADDRESSES = [
  '/pool.test/192.0.2.10',
  '/pool.test/2001:db8::10',
  '/nx.test/',
  '/sink.test/127.0.0.1',
  '/lan.test/10.20.30.40',
  '/alias.test/192.0.2.10',
];

function hostsFile(moving: string): string {
  const many = Array.from({ length: 12 }, (_, i) => `198.51.100.${100 + i} many.test`).join('\n');
  return `${moving} moving.test\n${many}\n`;
}

function settings(port: number, over: Partial<ResolveSettings> = {}): ResolveSettings {
  return {
    servers: [`127.0.0.1:${port}`],
    timeoutMs: 2000,
    maxAddrs: 8,
    maxNames: 32,
    blockPrivate: false,
    blockResolvers: false,
    ...over,
  };
}

describe('resolver settings: policy resolve section, --resolver first', () => {
  it('defaults, policy servers, command-line servers, and errors naming the field', () => {
    const def = resolveSettings(loadPolicy());
    expect(def).toEqual({
      servers: [],
      timeoutMs: 3000,
      maxAddrs: 8,
      maxNames: 32,
      blockPrivate: false,
      blockResolvers: false,
    });
    const p = parsePolicy(
      'version: 1\nresolve:\n  servers: ["192.0.2.53", "[2001:db8::53]:5353"]\n  timeout: 1s\n  blockPrivate: true\n',
    );
    expect(resolveSettings(p)).toMatchObject({
      servers: ['192.0.2.53', '[2001:db8::53]:5353'],
      timeoutMs: 1000,
    });
    expect(resolveSettings(p, ['127.0.0.1:5353']).servers).toEqual(['127.0.0.1:5353']);
    expect(() => parsePolicy('version: 1\nresolve:\n  servers: ["ns.example"]\n', 'p.yaml')).toThrow(
      expect.objectContaining({
        location: expect.objectContaining({ file: 'p.yaml', line: 3, field: 'resolve.servers.0' }),
        message: expect.stringContaining('not IP, IP:PORT or [IPv6]:PORT'),
      }),
    );
    expect(
      ['1.2.3.4', '1.2.3.4:53', '[::1]:53', '::1', '1.2.3.4:0', 'x', '[::1]:99999'].map(parseResolverAddr),
    ).toEqual(['1.2.3.4', '1.2.3.4:53', '[::1]:53', '::1', null, null, null]);
  });

  it("special-use names never go to the system's resolvers (they would forward them upstream)", async () => {
    const system = resolveSettings(loadPolicy());
    for (const name of ['pool.minexmr.example', 'pool.test', 'x.invalid', 'localhost', 'pool.localhost']) {
      const r = await resolveName(name, system);
      expect([name, r.addrs, r.error]).toEqual([name, [], expect.stringContaining('special-use name')]);
    }
    // Not a special-use TLD: only a suffix match on whole labels counts.
    expect(
      await resolveName('pool.mytest', { ...system, servers: ['127.0.0.1:9'], timeoutMs: 100 }),
    ).not.toMatchObject({
      error: expect.stringContaining('special-use'),
    });
  });
});

describe('pool names a block step takes: command lines, DNS queries, SNI', () => {
  it('names from process and non-process findings; plan without resolution keeps the notes', () => {
    const policy = parsePolicy(
      "version: 1\nrules:\n  - id: block-all\n    match: { rules: ['dns.*', 'wire.*'] }\n    actions: [block]\n",
    );
    const f = (id: string, over: Partial<Finding>): Finding => ({
      id,
      ruleId: 'dns.pool-query',
      title: id,
      severity: 'high',
      confidence: 0.9,
      category: 'impact',
      techniques: ['T1496'],
      host: { id: 'h', name: 'h' },
      time: '2026-01-01T00:00:00.000Z',
      entity: { kind: 'source-ip', ip: '10.0.0.5' },
      evidence: {},
      ...over,
    });
    const findings = [
      f('f-dns', { evidence: { query: 'Pool.Example.', matchKind: 'domain' } }),
      f('f-dns-ip', { evidence: { query: 'x.example', matchKind: 'ip' } }),
      f('f-sni', {
        ruleId: 'wire.mining.tls-pool',
        entity: { kind: 'process', pid: 4_000_000 },
        evidence: { sni: 'tls.example', pool: { via: 'sni', name: 'tls.example' } },
      }),
    ];
    const safety = new SafetyGuard({ procDir: '/proc' });
    const plan = buildPlan({ findings, policy, procDir: '/proc', root: '/nonexistent', safety });
    expect(plan.poolDomains?.map((d) => [d.name, d.sources, d.step.ruleId, d.timeoutSec])).toEqual([
      ['tls.example', ['wire.mining.tls-pool'], 'block-all', null],
      ['pool.example', ['dns.pool-query'], 'block-all', null],
    ]);
    expect(plan.actions).toEqual([]);
    expect(plan.notes).toEqual([
      expect.stringMatching(/^pool domain tls\.example: firewalls block addresses, not names/),
      expect.stringMatching(/^pool domain pool\.example: firewalls block addresses, not names/),
    ]);
  });
});

describe.skipIf(!dnsmasq && !REQUIRE)('pool domains resolved through a real DNS server', () => {
  let dir: string;
  let dns: TestDns;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mw-resolve-'));
    dns = await TestDns.start(dnsmasq!, join(dir, 'hosts'), hostsFile('198.51.100.20'), ADDRESSES);
    port = dns.port;
  });

  afterAll(() => {
    dns?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a pool name gives its A and AAAA addresses, the servers asked, the time and the TTL', async () => {
    const r = await resolveName('pool.test', settings(port), () => Date.parse('2026-11-26T17:00:00Z'));
    expect(r).toMatchObject({
      addrs: ['192.0.2.10', '2001:db8::10'],
      servers: [`127.0.0.1:${port}`],
      resolvedAt: '2026-11-26T17:00:00.000Z',
      sinkhole: false,
      ttl: 60,
    });
    expect(r.error).toBeUndefined();
  });

  it('NXDOMAIN is a failure with a reason, a loopback answer a sinkhole, a private one skipped by default', async () => {
    expect(await resolveName('nx.test', settings(port))).toMatchObject({ addrs: [], error: 'NXDOMAIN' });
    const sink = await resolveName('sink.test', settings(port));
    expect(sink).toMatchObject({ addrs: [], sinkhole: true, skipped: [{ addr: '127.0.0.1' }] });
    const lan = await resolveName('lan.test', settings(port));
    expect(lan.addrs).toEqual([]);
    expect(lan.skipped[0]?.why).toMatch(/private.*blockPrivate/);
    expect((await resolveName('lan.test', settings(port, { blockPrivate: true }))).addrs).toEqual([
      '10.20.30.40',
    ]);
  });

  it('bounds: at most maxAddrs per name, names that are not plain DNS names are not asked', async () => {
    const r = await resolveName('many.test', settings(port, { maxAddrs: 5 }));
    expect(r.addrs).toHaveLength(5);
    expect(r.dropped).toBe(7);
    expect(await resolveName('x"; flush ruleset', settings(port))).toMatchObject({
      addrs: [],
      error: 'not a plain DNS name; not resolved',
    });
  });

  it('names sharing an answer (a pool and its alias) share one step, so undoing it cannot strand the other', async () => {
    const safety = new SafetyGuard({ procDir: '/proc' });
    const f: Finding = {
      id: 'f-alias',
      ruleId: 'net.pool-connection',
      title: 'pool',
      severity: 'high',
      confidence: 0.9,
      category: 'impact',
      techniques: ['T1496'],
      host: { id: 'h', name: 'h' },
      time: '2026-01-01T00:00:00.000Z',
      entity: { kind: 'process', pid: 4_000_000 },
      evidence: { commandLine: 'xmrig -o pool.test:1 -o many.test:2 -o alias.test:3' },
    };
    const planned = buildPlan({
      findings: [f],
      policy: loadPolicy(),
      procDir: '/proc',
      root: '/nonexistent',
      safety,
    });
    const plan = await resolvePlanDomains(planned, settings(port, { maxAddrs: 2 }), { safety });
    expect(plan.actions.map((a) => a.target)).toEqual(['pool.test, alias.test', 'many.test']);
    const params = plan.actions[0]?.params as BlockParams;
    expect(params.addrs).toEqual(['192.0.2.10', '2001:db8::10']);
    expect(params.domains?.map((d) => [d.name, d.addrs])).toEqual([
      ['pool.test', ['192.0.2.10', '2001:db8::10']],
      ['alias.test', ['192.0.2.10']],
    ]);
    expect([...domainComments(params.domains)]).toEqual([
      ['192.0.2.10', 'minewarden pool.test,alias.test'],
      ['2001:db8::10', 'minewarden pool.test'],
    ]);
    expect(plan.notes.join('\n')).toMatch(
      /many\.test: 10 more address\(es\) not blocked \(policy resolve\.maxAddrs is 2\)/,
    );
  });

  it('a resolver that never answers times out within the bound', async () => {
    const mute: Socket = createSocket('udp4');
    await new Promise<void>((r) => mute.bind(0, '127.0.0.1', () => r()));
    try {
      const t0 = Date.now();
      const r = await resolveName(
        'pool.test',
        settings(mute.address().port, { timeoutMs: 300, servers: [`127.0.0.1:${mute.address().port}`] }),
      );
      expect(r.error).toBe('timed out');
      expect(Date.now() - t0).toBeLessThan(3000);
    } finally {
      mute.close();
    }
  });

  for (const backend of ['nft', 'iptables'] as const) {
    const present = backend === 'nft' ? !!findTool('nft') : !!findTool('iptables') && !!findTool('ipset');
    describe.skipIf(!netnsOk || (!present && !REQUIRE))(
      `${backend}: block, refresh and undo in a namespace`,
      () => {
        const ns = `mw-rp-${backend.slice(0, 3)}-${process.pid}`;
        let state: string;
        let store: Store;

        beforeAll(() => {
          if (!present) throw new Error(`${backend} is not installed but MINEWARDEN_REQUIRE_SERVICES=1`);
          execFileSync('ip', ['netns', 'add', ns]);
          state = mkdtempSync(join(tmpdir(), 'mw-rp-state-'));
        });

        afterAll(async () => {
          await store?.close();
          try {
            execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
          } catch {}
          if (state) rmSync(state, { recursive: true, force: true });
        });

        it('plans per name, blocks exactly the answers, refreshes a moved pool, and undo removes only its own', async () => {
          await dns.setHosts(hostsFile('198.51.100.20'), { name: 'moving.test', addr: '198.51.100.20' });
          const policy = loadPolicy();
          const safety = new SafetyGuard({ procDir: '/proc' });
          const f: Finding = {
            id: 'f-pool',
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
              commandLine:
                'xmrig -o stratum+tcp://pool.test:3333 --url=nx.test:443 -o sink.test:80 -o stratum+tcp://moving.test:5555',
            },
          };
          const planned = buildPlan({ findings: [f], policy, procDir: '/proc', root: state, safety });
          expect(planned.poolDomains?.map((d) => d.name)).toEqual([
            'pool.test',
            'nx.test',
            'sink.test',
            'moving.test',
          ]);
          const plan = await resolvePlanDomains(planned, settings(port), { safety });
          const blocks = plan.actions.filter((a) => a.kind === 'block');
          expect(blocks.map((b) => b.target)).toEqual(['pool.test', 'moving.test']);
          expect(blocks[0]?.summary).toMatch(
            /^block outbound to 192\.0\.2\.10, 2001:db8::10 \(pool\.test at \d\d:\d\d:\d\dZ\) for 86400s, set pool$/,
          );
          expect(plan.notes.join('\n')).toContain(
            `pool domain pool.test -> 192.0.2.10, 2001:db8::10 (resolved at ${plan.resolution[0]?.resolvedAt} via 127.0.0.1:${port}, TTL 60s)`,
          );
          expect(blocks[0]?.params).toMatchObject({
            set: 'pool',
            addrs: ['192.0.2.10', '2001:db8::10'],
            timeoutSec: 86400,
            domains: [{ name: 'pool.test', addrs: ['192.0.2.10', '2001:db8::10'] }],
          });
          expect(plan.notes.join('\n')).toMatch(/nx\.test: not resolved \(NXDOMAIN/);
          expect(plan.notes.join('\n')).toMatch(/sink\.test resolves to 127\.0\.0\.1 .*a sinkhole.*skipped/);
          expect(plan.notes.join('\n')).not.toMatch(/firewalls block addresses, not names/);

          // Somebody else's elements, one of them also a pool.test answer: both must survive undo.
          const fw = pickFirewall(ns, backend)!;
          await fw.ensure();
          await fw.add('pool', ['198.51.100.7', '2001:db8::10'], null);
          store = await openStore('sqlite::memory:');
          const journal = new Journal(store.actions, 'h');
          const ctx: ActionContext = {
            root: state,
            procDir: '/proc',
            stateDir: state,
            safety,
            netns: ns,
            firewallBackend: backend,
            now: Date.now,
          };
          const run = await runPlan(plan, journal, ctx, { apply: true, confirm: false });
          expect(run.entries.map((e) => [e.target, e.status])).toEqual([
            ['pool.test', 'applied'],
            ['moving.test', 'applied'],
          ]);
          expect(run.entries[0]?.undo).toMatchObject({
            added: ['192.0.2.10'],
            alreadyListed: ['2001:db8::10'],
          });
          expect(run.entries[0]?.params).toMatchObject({ domains: [{ name: 'pool.test' }] });
          expect(new Set(await fw.list('pool'))).toEqual(
            new Set(['198.51.100.7', '2001:db8::10', '192.0.2.10', '198.51.100.20']),
          );
          const listing =
            backend === 'nft'
              ? execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'ruleset'], { encoding: 'utf8' })
              : execFileSync('ip', ['netns', 'exec', ns, 'ipset', 'save'], { encoding: 'utf8' });
          expect(listing).toMatch(/192\.0\.2\.10 .*comment "minewarden pool\.test"/);
          expect(listing).toMatch(/198\.51\.100\.20 .*comment "minewarden moving\.test"/);

          // The pool moves: a dry run says so and touches nothing; --apply adds it to the same journal entry.
          await dns.setHosts(hostsFile('198.51.100.21'), { name: 'moving.test', addr: '198.51.100.21' });
          const dry = await refreshBlocks(journal, ctx, settings(port), { apply: false });
          const moving = dry.find((o) => o.names.includes('moving.test'))!;
          expect(moving).toMatchObject({ added: ['198.51.100.21'], stale: ['198.51.100.20'], ok: true });
          expect(moving.detail).toMatch(/would add 198\.51\.100\.21/);
          expect(dry.find((o) => o.names.includes('pool.test'))?.added).toEqual([]);
          expect(await fw.has('pool', '198.51.100.21')).toBe(false);

          const applied = await refreshBlocks(journal, ctx, settings(port), { apply: true });
          expect(applied.find((o) => o.names.includes('moving.test'))?.added).toEqual(['198.51.100.21']);
          expect(await fw.has('pool', '198.51.100.21')).toBe(true);
          const entry = (await journal.list({ runId: run.runId })).find((e) => e.target === 'moving.test')!;
          expect(entry.status).toBe('applied');
          expect(entry.undo).toMatchObject({
            added: ['198.51.100.20', '198.51.100.21'],
            refreshes: [
              { added: ['198.51.100.21'], domains: [{ name: 'moving.test', addrs: ['198.51.100.21'] }] },
            ],
          });
          expect(entry.history.at(-1)?.detail).toMatch(
            /refreshed at .*added 198\.51\.100\.21.*no longer resolved \(kept\): 198\.51\.100\.20/,
          );

          const undone = await undoEntries(await journal.list({ runId: run.runId }), journal, ctx);
          expect(undone.every((o) => o.ok)).toBe(true);
          expect(new Set(await fw.list('pool'))).toEqual(new Set(['198.51.100.7', '2001:db8::10']));
          expect(await refreshBlocks(journal, ctx, settings(port), { apply: true })).toEqual([]);
        });
      },
    );
  }
});
