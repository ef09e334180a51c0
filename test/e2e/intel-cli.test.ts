import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/cli.js';

const POOLS = resolve(REPO_ROOT, '../shared/data/pools');

describe('intel command line', () => {
  it('lookup: suffix match on the builtin pack, exit 1 on a match and 0 without', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-intel-'));
    const hit = await runCli(['intel', 'lookup', 'LA01.SupportXMR.com.', '--dir', dir, '--format', 'json']);
    expect(hit.code).toBe(1);
    expect(JSON.parse(hit.stdout)).toMatchObject([
      { match: 'supportxmr.com', kind: 'domain', list: 'builtin' },
    ]);
    const miss = await runCli(['intel', 'lookup', 'example.org', '--dir', dir]);
    expect(miss.code).toBe(0);
  });

  it('update --from FILE installs a list that lookup then uses, with version and date', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-intel-'));
    const up = await runCli([
      'intel',
      'update',
      '--from',
      join(POOLS, 'nocoin/nocoin.txt'),
      '--dir',
      dir,
      '--format',
      'json',
    ]);
    expect(up.code).toBe(0);
    expect(JSON.parse(up.stdout)).toMatchObject([{ list: 'nocoin', version: '227', format: 'adblock' }]);
    const r = await runCli(['intel', 'lookup', '--dir', dir, '--format', 'ndjson', '23.83.114.131']);
    expect(JSON.parse(r.stdout)).toMatchObject({ match: '23.83.114.131', list: 'nocoin' });
  });

  it('update --from URL over loopback HTTP, and refuses a list with no indicators', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-intel-'));
    const body = readFileSync(join(POOLS, 'coinblockerlists/MiningServerIPList.txt'));
    const server = createServer((req, res) => {
      if (req.url === '/ips.txt') res.end(body);
      else res.end('! only comments\n##.ad-banner\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const ok = await runCli([
        'intel',
        'update',
        '--from',
        `http://127.0.0.1:${port}/ips.txt`,
        '--dir',
        dir,
      ]);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/installed ips: 1026 entries/);
      const bad = await runCli([
        'intel',
        'update',
        '--from',
        `http://127.0.0.1:${port}/empty.txt`,
        '--dir',
        dir,
      ]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/MW_INPUT_PARSE.*no domain, IP or CIDR/);
      expect((await runCli(['intel', 'lookup', '1.31.173.33', '--dir', dir])).code).toBe(1);
    } finally {
      server.close();
    }
  });

  it('a missing --from file is one coded error line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-intel-'));
    writeFileSync(join(dir, 'x'), '');
    const r = await runCli(['intel', 'update', '--from', join(dir, 'nope.txt'), '--dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
