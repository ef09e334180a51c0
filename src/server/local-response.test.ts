import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../test/fleet/sim-agent.js';
import { TestDns } from '../../test/helpers/dnsmasq.js';
import { findTool } from '../respond/exec.js';
import { scanHost } from '../scan/scan.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { LocalResponder } from './local-response.js';

const WALLET =
  '4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge';

// The dashboard's response on the server's own host plans pool blocks by address, as `respond` does: a pool known
// only by name is resolved through a dnsmasq the test starts on loopback. A plan only: nothing is touched.
const dnsmasq = findTool('dnsmasq');
if (process.env.MINEWARDEN_REQUIRE_SERVICES === '1' && !dnsmasq)
  throw new Error('MINEWARDEN_REQUIRE_SERVICES=1 but dnsmasq (Debian: dnsmasq-base) is missing');

describe.skipIf(!dnsmasq)('LocalResponder with a pool known by name', () => {
  let dir: string;
  let shm: string;
  let dns: TestDns;
  let child: ChildProcess;
  let store: Store;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mw-local-dns-'));
    shm = mkdtempSync('/dev/shm/.mw-local-dns-');
    copyFileSync('/bin/bash', join(shm, 'xmrig'));
    chmodSync(join(shm, 'xmrig'), 0o755);
    dns = await TestDns.start(dnsmasq!, join(dir, 'hosts'), '', ['/pool.local.test/198.51.100.88']);
    // setsid: its own session, so no other test's process joins its incident through a shared ancestor.
    child = spawn(
      'setsid',
      [
        join(shm, 'xmrig'),
        '-c',
        'read -r -t 120 x',
        'xmrig',
        '-o',
        'stratum+tcp://pool.local.test:3333',
        '-u',
        WALLET,
      ],
      { stdio: ['pipe', 'ignore', 'ignore'] },
    );
    await until('stand-in running', () => existsSync(`/proc/${child.pid}/exe`));
    store = await openStore(`sqlite:${join(dir, 'db.sqlite')}`);
  });

  afterAll(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    dns?.stop();
    await store?.close();
    for (const d of [dir, shm]) rmSync(d, { recursive: true, force: true });
  });

  it('plans one block of the address the name resolves to, with the name', async () => {
    const policyFile = join(dir, 'policy.yaml');
    writeFileSync(
      policyFile,
      `version: 1
rules:
  - id: block-pools
    match: { rules: ['miner.cmdline'], minSeverity: medium }
    actions: [block]
    duration: 1h
resolve: { servers: ['${dns.server}'] }
`,
    );
    const responder = new LocalResponder(store, {
      stateDir: join(dir, 'state'),
      root: dir,
      procDir: '/proc',
      policyFile,
    });
    await new Promise((r) => setTimeout(r, 100));
    const scan = await scanHost({ sampleMs: 0, hash: false, files: false, logs: false });
    const mine = scan.findings.filter(
      (f) => f.entity.exe?.startsWith(`${shm}/`) && f.ruleId === 'miner.cmdline',
    );
    expect(mine).toHaveLength(1);
    const incident = scan.incidents.find((i) => i.id === mine[0]?.incidentId);
    expect(incident).toBeDefined();
    const run = await responder.respond(incident!, scan.findings, { apply: false, confirm: false });
    const blocks = run.entries.filter((e) => e.kind === 'block');
    expect(blocks.map((e) => `${e.status}:${e.target}`)).toEqual(['planned:pool.local.test']);
    expect(blocks[0]?.params).toMatchObject({ addrs: ['198.51.100.88'], timeoutSec: 3600 });
    expect(run.notes).toEqual(
      expect.arrayContaining([expect.stringContaining('pool domain pool.local.test -> 198.51.100.88')]),
    );
    expect(child.exitCode).toBeNull();
  }, 60_000);
});
