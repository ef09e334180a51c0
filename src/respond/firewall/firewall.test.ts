import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canUseNetns, ipIn, NetnsPair } from '../../../test/helpers/netns.js';
import { banAction, banDuration } from '../actions/ban.js';
import { blockAction } from '../actions/block.js';
import { findTool } from '../exec.js';
import { SafetyGuard } from '../safety.js';
import { type ActionContext, RefusedError } from '../types.js';
import { pickFirewall } from './index.js';
import { tableScript } from './nft.js';

const REQUIRE = process.env.MINEWARDEN_REQUIRE_SERVICES === '1';
const PORT = 14444;
const netnsOk = canUseNetns();
if (REQUIRE && !netnsOk)
  throw new Error('MINEWARDEN_REQUIRE_SERVICES=1 but network namespaces are not available');

const backends = [
  { name: 'nft' as const, present: !!findTool('nft') },
  { name: 'iptables' as const, present: !!findTool('iptables') && !!findTool('ipset') },
];

describe('banDuration grows for repeat offenders and is capped', () => {
  it('doubles from the base up to the cap', () => {
    const s = { baseSec: 600, factor: 2, maxSec: 3000 };
    expect([1, 2, 3, 4, 9].map((n) => banDuration(n, s))).toEqual([600, 1200, 2400, 3000, 3000]);
  });
});

for (const b of backends) {
  describe.skipIf(!netnsOk || (!b.present && !REQUIRE))(`${b.name} block inside a test namespace`, () => {
    let net: NetnsPair;
    let pool: ChildProcess;
    let state: string;
    let ctx: ActionContext;
    let otherBefore = '';

    beforeAll(async () => {
      if (!b.present) throw new Error(`${b.name} is not installed but MINEWARDEN_REQUIRE_SERVICES=1`);
      net = new NetnsPair(`fw${b.name.slice(0, 3)}`);
      pool = await net.startPool(PORT);
      state = mkdtempSync(join(tmpdir(), 'mw-fw-'));
      ctx = {
        root: '/nonexistent',
        procDir: '/proc',
        stateDir: state,
        safety: new SafetyGuard({ procDir: '/proc' }),
        netns: net.host,
        firewallBackend: b.name,
        now: Date.now,
      };
      // Somebody else's table in the same namespace: it must come out of everything exactly as it went in.
      ipIn(net.host, [
        'nft',
        'add table inet other; add chain inet other c { type filter hook output priority 0; }; add rule inet other c tcp dport 9 counter',
      ]);
      otherBefore = net.nftIn(['list', 'table', 'inet', 'other']);
    });

    afterAll(() => {
      pool?.kill('SIGKILL');
      net?.destroy();
      if (state) rmSync(state, { recursive: true, force: true });
    });

    it('connect succeeds before, fails after apply, succeeds after undo; only our own additions go', async () => {
      expect(net.canConnect(PORT)).toBe(true);
      const fw = pickFirewall(net.host, b.name)!;
      expect(fw.backend).toBe(b.name);
      await fw.ensure();
      await fw.add('pool', ['198.51.100.7'], null);

      const params = { set: 'pool' as const, addrs: [net.poolIp, '198.51.100.7'], timeoutSec: 3600 };
      const undo = await blockAction.apply(params, ctx);
      expect(undo).toMatchObject({ backend: b.name, added: [net.poolIp], alreadyListed: ['198.51.100.7'] });
      expect(await blockAction.verify(params, undo, ctx)).toMatchObject({ ok: true });
      expect(await fw.list('pool')).toEqual(expect.arrayContaining([net.poolIp, '198.51.100.7']));
      expect(net.canConnect(PORT)).toBe(false);

      await blockAction.undo(params, undo, ctx);
      expect(await fw.list('pool')).toEqual(['198.51.100.7']);
      expect(net.canConnect(PORT)).toBe(true);
      expect(net.nftIn(['list', 'table', 'inet', 'other'])).toBe(otherBefore);
    });

    it('bans expire on their own, and unban (undo) lifts them early', async () => {
      const fw = pickFirewall(net.host, b.name)!;
      const short = { addr: '203.0.113.9', timeoutSec: 1, offence: 1 };
      const u1 = await banAction.apply(short, ctx);
      expect(await fw.has('attacker', '203.0.113.9')).toBe(true);
      for (let i = 0; i < 40 && (await fw.has('attacker', '203.0.113.9')); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(await fw.has('attacker', '203.0.113.9')).toBe(false);
      expect(u1.expiresAt).toBeGreaterThan(Date.now() - 5000);

      const long = { addr: '203.0.113.10', timeoutSec: banDuration(3), offence: 3 };
      const u2 = await banAction.apply(long, ctx);
      expect(await fw.has('attacker', '203.0.113.10')).toBe(true);
      await banAction.undo(long, u2, ctx);
      expect(await fw.has('attacker', '203.0.113.10')).toBe(false);
    });

    it.runIf(b.name === 'nft')('a table script with nested elements loads: covered ones are left out', () => {
      const script = tableScript({ pool_v4: ['192.0.2.10', '192.0.2.0/24', '198.51.100.1', '198.51.100.2'] });
      expect(script).toContain('elements = { 192.0.2.0/24, 198.51.100.1, 198.51.100.2 }');
      expect(script).not.toContain('auto-merge');
      execFileSync('ip', ['netns', 'exec', net.host, 'nft', '-c', '-f', '-'], { input: script });
    });

    it('refuses loopback and too-wide networks before touching anything', async () => {
      const fw = pickFirewall(net.host, b.name)!;
      const before = await fw.list('pool');
      for (const addrs of [['127.0.0.1'], ['10.0.0.0/8'], [`${net.poolIp} } ; flush ruleset ; {`]]) {
        await expect(blockAction.apply({ set: 'pool', addrs, timeoutSec: null }, ctx)).rejects.toBeInstanceOf(
          RefusedError,
        );
      }
      expect(await fw.list('pool')).toEqual(before);
    });

    it.runIf(b.name === 'nft')(
      'a table of an earlier version loses auto-merge, keeping elements, times and comments',
      async () => {
        net.nftIn(['add', 'table', 'inet', 'minewarden', ';', 'delete', 'table', 'inet', 'minewarden']);
        const old = tableScript({
          pool_v4: ['192.0.2.10 timeout 3600s comment "minewarden pool.test"', '192.0.2.11', '198.51.100.9'],
          attacker_v6: ['2001:db8::66 timeout 600s'],
        }).replace(/flags interval, timeout;/g, 'flags interval, timeout; auto-merge;');
        execFileSync('ip', ['netns', 'exec', net.host, 'nft', '-f', '-'], { input: old });
        expect(net.nftIn(['list', 'table', 'inet', 'minewarden'])).toContain('192.0.2.10/31 timeout 1h');

        const fw = pickFirewall(net.host, b.name)!;
        expect(await fw.ensure()).toBe(false);
        const now = net.nftIn(['list', 'table', 'inet', 'minewarden']);
        expect(now).not.toContain('auto-merge');
        expect(now).toMatch(/192\.0\.2\.10\/31 timeout 1h expires \S+ comment "minewarden pool\.test"/);
        expect(now).toMatch(/2001:db8::66 timeout 10m expires \S+/);
        expect(new Set(await fw.list('pool'))).toEqual(new Set(['192.0.2.10/31', '198.51.100.9']));
        expect(net.nftIn(['list', 'table', 'inet', 'other'])).toBe(otherBefore);
        // From now on neighbours stay apart and go one by one.
        await fw.add('pool', ['198.51.100.10'], null, new Map([['198.51.100.10', 'minewarden b.test']]));
        await fw.remove('pool', ['198.51.100.9']);
        expect(new Set(await fw.list('pool'))).toEqual(new Set(['192.0.2.10/31', '198.51.100.10']));
      },
    );
  });
}
