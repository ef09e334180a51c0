import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBuiltinPoolIntel, poolIntelFromText } from '../../intel/pools/index.js';
import { PoolIntel } from '../../intel/pools/pool-intel.js';
import { findTool } from '../exec.js';
import { type Blocklist, blocklistFromIntel, type ExportFormat, renderBlocklist } from './blocklist.js';

/** Under MINEWARDEN_REQUIRE_SERVICES=1 (CI) a missing checker fails the test instead of skipping it. */
const REQUIRE = process.env.MINEWARDEN_REQUIRE_SERVICES === '1';

function toolOrSkip(name: string, skip: () => void): string {
  const path = findTool(name);
  if (path) return path;
  if (REQUIRE)
    throw new Error(`${name} is not installed but MINEWARDEN_REQUIRE_SERVICES=1 (apt-get install it)`);
  skip();
  return '';
}

function run(cmd: string, args: string[]): { code: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { code: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

let dir: string;
let list: Blocklist;

function write(format: ExportFormat, l: Blocklist = list): string {
  const file = join(dir, `pools.${format === 'unbound' ? 'conf' : format}`);
  writeFileSync(file, renderBlocklist(l, format));
  return file;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mw-export-'));
  const extra = poolIntelFromText(
    'pool.example\n198.51.100.7\n203.0.113.0/24\n2001:db8::7\n2001:db8:1::/48\n',
    {
      list: 'test',
      source: 'test',
    },
  );
  list = blocklistFromIntel(PoolIntel.merge(loadBuiltinPoolIntel(), extra.intel));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('block export: each format is accepted by the real tool', () => {
  it('holds the pool list: every domain and address, sorted and de-duplicated', () => {
    expect(list.domains.length).toBeGreaterThan(40);
    expect(list.domains).toContain('pool.example');
    expect(list.domains).toContain('c3pool.com');
    expect(list.addrs).toEqual(['198.51.100.7', '2001:db8:1::/48', '2001:db8::7', '203.0.113.0/24']);
    expect(new Set(list.domains).size).toBe(list.domains.length);
  });

  it('nft: `nft -c -f` accepts the table (checked inside a namespace the test creates)', (t) => {
    const nft = toolOrSkip('nft', () => t.skip());
    const file = write('nft');
    const ns = `mw-export-${process.pid}`;
    const add = run('ip', ['netns', 'add', ns]);
    if (add.code !== 0) {
      if (REQUIRE) throw new Error(`cannot create a network namespace: ${add.out}`);
      t.skip();
    }
    try {
      const r = run('ip', ['netns', 'exec', ns, nft, '-c', '-f', file]);
      expect(r.code).toBe(0);
      const broken = run('ip', [
        'netns',
        'exec',
        ns,
        nft,
        '-c',
        '-f',
        write('nft', { ...list, addrs: ['300.1.2.3'] }),
      ]);
      expect(broken.code).not.toBe(0);
    } finally {
      run('ip', ['netns', 'del', ns]);
    }
  });

  it('hosts: both families per domain, nothing else', () => {
    const text = renderBlocklist(list, 'hosts');
    const lines = text.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(lines).toHaveLength(list.domains.length * 2);
    expect(lines).toContain('0.0.0.0 c3pool.com');
    expect(lines).toContain(':: c3pool.com');
  });

  it('dnsmasq: `dnsmasq --test` accepts it', (t) => {
    const dnsmasq = toolOrSkip('dnsmasq', () => t.skip());
    const r = run(dnsmasq, ['--test', `--conf-file=${write('dnsmasq')}`]);
    expect(r.out).toMatch(/syntax check OK/);
    expect(r.code).toBe(0);
    const broken = join(dir, 'broken.dnsmasq');
    writeFileSync(broken, 'address=/x/not-an-ip\n');
    expect(run(dnsmasq, ['--test', `--conf-file=${broken}`]).code).not.toBe(0);
  });

  it('unbound: `unbound-checkconf` accepts it', (t) => {
    const check = toolOrSkip('unbound-checkconf', () => t.skip());
    const r = run(check, [write('unbound')]);
    expect(r.out).toMatch(/no errors/);
    expect(r.code).toBe(0);
    const broken = join(dir, 'broken.conf');
    writeFileSync(broken, 'server:\n    local-zone: "x." no_such_type\n');
    expect(run(check, [broken]).code).not.toBe(0);
  });

  it('rpz: `named-checkzone` loads the zone with every trigger', (t) => {
    const check = toolOrSkip('named-checkzone', () => t.skip());
    const file = write('rpz');
    const r = run(check, ['rpz.minewarden', file]);
    expect(r.out).toMatch(/OK/);
    expect(r.code).toBe(0);
    const text = renderBlocklist(list, 'rpz');
    expect(text).toContain('c3pool.com CNAME .');
    expect(text).toContain('*.c3pool.com CNAME .');
    expect(text).toContain('32.7.100.51.198.rpz-ip CNAME .');
    expect(text).toContain('24.0.113.0.203.rpz-ip CNAME .');
  });

  it('names that would break a config line are left out of every format', () => {
    const hostile: Blocklist = {
      ...list,
      domains: ['ok.example', 'bad"name.example', 'x/y.example', 'a b.example'],
    };
    for (const f of ['hosts', 'dnsmasq', 'unbound', 'rpz'] as const) {
      const text = renderBlocklist(hostile, f);
      expect(text).toContain('ok.example');
      expect(text).not.toMatch(/bad"name|x\/y|a b\.example/);
    }
  });
});
