import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchesOfScan } from '../../src/agent/batch.js';
import type { Incident } from '../../src/model/incident.js';
import { scanHost } from '../../src/scan/scan.js';
import { type RunningServer, runServer } from '../../src/server/run.js';
import { type Browser, launchBrowser } from './browser.js';
import { seedCpuHistory } from './cpu-seed.js';
import { addUser, ensureBundle, keyboardLogin, logout, shoot } from './helpers.js';
import { seedFleet } from './seed.js';

// A harmless stand-in: a copy of bash under a miner's name in /dev/shm, with a miner's argv, waiting on a sleep.
const DIR = `/dev/shm/.mwui-${process.pid}`;
const EXE = `${DIR}/xmrig`;
const WALLET =
  '4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge';
const VIEWER_PW = 'viewer-password-123';
const HOSTILE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

function exited(c: ChildProcess, ms: number): Promise<boolean> {
  return new Promise((res) => {
    if (c.exitCode !== null || c.signalCode !== null) return res(true);
    const t = setTimeout(() => res(false), ms);
    c.once('exit', () => {
      clearTimeout(t);
      res(true);
    });
  });
}

describe('dashboard in headless Chromium', () => {
  let tmp: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let miner: ChildProcess;
  let incident: Incident;
  let admin: { name: string; password: string };

  beforeAll(async () => {
    ensureBundle();
    tmp = mkdtempSync(join(tmpdir(), 'mw-ui-'));
    mkdirSync(join(tmp, 'root'));
    // Responses from this server quarantine into the test's state dir and look for persistence in an empty root.
    process.env.MINEWARDEN_STATE_DIR = join(tmp, 'state');
    process.env.MINEWARDEN_RESPONSE_ROOT = join(tmp, 'root');
    mkdirSync(DIR, { recursive: true });
    copyFileSync('/bin/bash', EXE);
    miner = spawn(
      EXE,
      [
        '-c',
        'sleep 600 & wait',
        'xmrig',
        '-o',
        'stratum+tcp://pool.minexmr.example:4444',
        '-u',
        WALLET,
        '--donate-level',
        '1',
      ],
      { stdio: 'ignore', detached: true },
    );
    await new Promise((r) => setTimeout(r, 300));

    server = await runServer({ db: `sqlite:${join(tmp, 'fleet.db')}`, host: '127.0.0.1', port: 0 });
    admin = server.firstAdmin!;
    await addUser(server.store, 'viewer', 'viewer', VIEWER_PW);
    const seededAt = Date.now();
    await seedFleet(server.store, { hosts: 16, findings: 160, now: seededAt, prefix: 'web' });
    // web-0000 mines (first seen 4 h ago): a day of CPU samples with the burn starting shortly before.
    await seedCpuHistory(
      server.store,
      { id: 'h-web-0000', name: 'web-0000', os: 'Debian GNU/Linux 12', kernel: '6.1.0-18-amd64', cpus: 4 },
      seededAt,
      seededAt - 4.25 * 3_600_000,
    );
    // A hostile host name: the page must show it as text, never run it.
    await server.store.fleet.ingest(
      {
        batchId: 'hostile',
        host: { id: 'h-hostile', name: HOSTILE },
        findings: [],
        incidents: [],
        heartbeats: [],
        inventory: [],
      },
      null,
      new Date(),
    );

    // This host, as its agent would ship it: a real scan, so the incident and its findings are the detectors' own.
    const scan = await scanHost({ sampleMs: 0, hash: false, realtime: false });
    let n = 0;
    for (const b of batchesOfScan(scan.snapshot.host, scan, () => `local-${n++}`, {
      id: 'hb-local',
      time: new Date().toISOString(),
      intervalMs: 60_000,
    }))
      await server.store.fleet.ingest(b, null, new Date());
    const mine = scan.findings.filter((f) => f.entity.pid === miner.pid).map((f) => f.id);
    const found = scan.incidents.find((i) => i.findings.some((id) => mine.includes(id)));
    if (!found) throw new Error(`the scan made no incident for the stand-in (pid ${miner.pid})`);
    incident = found;

    browser = await launchBrowser();
    page = await browser.context.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    // Only what this test started: the stand-in's own process group.
    if (miner?.pid && miner.exitCode === null && miner.signalCode === null) {
      try {
        process.kill(-miner.pid, 'SIGKILL');
      } catch {}
    }
    await server?.close();
    rmSync(DIR, { recursive: true, force: true });
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    delete process.env.MINEWARDEN_STATE_DIR;
    delete process.env.MINEWARDEN_RESPONSE_ROOT;
  });

  it('logs in with the keyboard and shows the seeded fleet', async () => {
    await keyboardLogin(page, server.url, admin.name, admin.password);
    await page.getByTestId('hosts-table').waitFor();
    const rows = await page.getByTestId('hosts-table').locator('tbody tr').count();
    expect(rows).toBe(18);
    await expect(page.getByTestId('hosts-table').getByText(HOSTILE).isVisible()).resolves.toBe(true);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    await expect(
      page.getByTestId('hosts-table').getByRole('link', { name: 'web-0000', exact: true }).isVisible(),
    ).resolves.toBe(true);
    const mining = await page.locator('.tile-mining .n').textContent();
    expect(Number(mining)).toBeGreaterThanOrEqual(2);
    await expect(page.getByText('Projected per month').isVisible()).resolves.toBe(true);
    await expect(page.getByText('pool.supportxmr.com:3333').isVisible()).resolves.toBe(true);
    await expect(page.getByText('203.0.113.10').isVisible()).resolves.toBe(true);
    await page.locator('.chart canvas').first().waitFor();
    await shoot(page, '01-overview');
    // The nav is reachable from the keyboard: Tab from the top lands on the skip link, then the page links.
    // Strings, not functions: they run in the page, and this file is typechecked without the DOM library.
    await page.evaluate('document.activeElement && document.activeElement.blur()');
    const focused = async () => (await page.locator(':focus').textContent())?.trim();
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Fleet');
  }, 60_000);

  it('shows a host page with processes, listeners, findings and posture', async () => {
    await page.goto(`${server.url}/#/hosts/h-web-0000`);
    await page.getByRole('heading', { name: /web-0000/, level: 1 }).waitFor();
    await expect(page.getByText('/dev/shm/.x/kdevtmpfsi').first().isVisible()).resolves.toBe(true);
    await expect(page.getByText('redis-server').first().isVisible()).resolves.toBe(true);
    await page.locator('.chart canvas').first().waitFor();
    // CPU history: the chart, when mining was first seen, and what burns now.
    await page.locator('#cpu-history canvas').waitFor();
    await expect(page.locator('#cpu-history .mining-since').textContent()).resolves.toMatch(/first seen/);
    await expect(
      page.locator('#cpu-history .cpu-top').getByText('/dev/shm/.x/kdevtmpfsi').isVisible(),
    ).resolves.toBe(true);
    await shoot(page, '02-host');
  }, 60_000);

  it('opens the stand-in incident, shows the plan, applies it after confirmation, and undoes it', async () => {
    await page.goto(`${server.url}/#/incidents`);
    await page.getByRole('link', { name: incident.title }).click();
    await page.getByRole('heading', { name: 'Kill chain' }).waitFor();
    await expect(page.getByText('Execution', { exact: true }).isVisible()).resolves.toBe(true);
    await expect(page.getByText('Impact', { exact: true }).isVisible()).resolves.toBe(true);
    // What the stand-in's CPU has cost, from its findings' cost evidence (each process once).
    const cost = page.locator('#incident-cost');
    await expect(cost.getByText('Spent so far').isVisible()).resolves.toBe(true);
    await expect(cost.locator('dd.big').first().textContent()).resolves.toMatch(/^\d[\d,]*\.\d+ USD$/);
    await expect(cost.getByText(/mining now/).isVisible()).resolves.toBe(true);

    await page.getByRole('button', { name: 'Show response plan' }).click();
    const plan = page.getByTestId('plan');
    await plan.waitFor();
    await expect(plan.locator('tr[data-kind="kill"][data-status="planned"]').count()).resolves.toBe(1);
    await expect(plan.locator('tr[data-kind="quarantine"][data-status="planned"]').count()).resolves.toBe(1);
    // Nothing but the stand-in may be killed: every kill in the plan names its pid (the scan may group other
    // processes of this shared machine into the same incident; the policy must leave them alone).
    const kills = await plan.locator('tr[data-kind="kill"][data-status="planned"] td.mono').allTextContents();
    expect(kills.length).toBeGreaterThan(0);
    for (const k of kills) expect(k.startsWith(`pid ${miner.pid} `)).toBe(true);
    const quarantined = await plan
      .locator('tr[data-kind="quarantine"][data-status="planned"] td.mono')
      .allTextContents();
    expect(quarantined).toEqual([EXE]);
    // No firewall change on this machine: the pool is a name (DNS sinkhole note), never a block or ban here.
    const rows = await plan.locator('tbody tr[data-status="planned"]').all();
    const kinds = await Promise.all(rows.map((r) => r.getAttribute('data-kind')));
    expect([...new Set(kinds)].sort()).toEqual(['kill', 'quarantine']);
    expect(existsSync(EXE)).toBe(true);
    expect(miner.exitCode).toBeNull();
    await shoot(page, '03-incident-plan');

    await page.getByRole('button', { name: 'Apply plan…' }).click();
    await page.getByRole('dialog').waitFor();
    await shoot(page, '04-incident-confirm');
    await page.getByRole('button', { name: 'Apply now' }).click();
    const applied = page.getByTestId('applied');
    await applied.waitFor({ timeout: 20_000 });
    await expect(applied.locator('tr[data-kind="kill"][data-status="applied"]').count()).resolves.toBe(1);
    await expect(applied.locator('tr[data-kind="quarantine"][data-status="applied"]').count()).resolves.toBe(
      1,
    );
    expect(await exited(miner, 5000)).toBe(true);
    expect(existsSync(EXE)).toBe(false);
    await shoot(page, '05-incident-applied');

    await page.getByRole('button', { name: 'Undo this response' }).click();
    const undone = page.getByTestId('undone');
    await undone.waitFor({ timeout: 20_000 });
    await expect(undone.getByText(/undid quarantine/).isVisible()).resolves.toBe(true);
    expect(existsSync(EXE)).toBe(true);
    expect(statSync(EXE).size).toBe(statSync('/bin/bash').size);
    await shoot(page, '06-incident-undone');
  }, 90_000);

  it('draws the attack surface and lets an analyst suppress a posture finding and export SARIF', async () => {
    await page.goto(`${server.url}/#/surface`);
    await page.locator('.graph canvas').first().waitFor();
    await expect(page.getByRole('cell', { name: 'web-0001' }).first().isVisible()).resolves.toBe(true);
    await page.waitForTimeout(300);
    await shoot(page, '07-surface');

    await page.goto(`${server.url}/#/posture`);
    const check = page.locator('#check-posture\\.host\\.redis-no-auth');
    await check.waitFor();
    const before = await page.locator('.score').first().textContent();
    await check.getByRole('button', { name: 'Suppress…' }).first().click();
    await check.getByLabel('Reason').fill('redis bound to a private VLAN, ticket OPS-12');
    await check.getByRole('button', { name: 'Suppress', exact: true }).click();
    // One suppression of `redis-server` covers that service on every host.
    await page
      .getByRole('cell', { name: 'redis bound to a private VLAN, ticket OPS-12', exact: true })
      .waitFor();
    expect(await check.getByText(/^suppressed until/).count()).toBeGreaterThan(1);
    expect(Number(await page.locator('.score').first().textContent())).toBeGreaterThanOrEqual(Number(before));
    await shoot(page, '08-posture');

    const sarif = await page.request.get(`${server.url}/api/ui/posture/export?format=sarif`);
    expect(sarif.status()).toBe(200);
    const doc = (await sarif.json()) as { version: string; runs: Array<{ results: unknown[] }> };
    expect(doc.version).toBe('2.1.0');
    expect(doc.runs[0]!.results.length).toBeGreaterThan(0);
  }, 60_000);

  it('a viewer sees no response buttons, and the server refuses a response from a viewer', async () => {
    await logout(page);
    await keyboardLogin(page, server.url, 'viewer', VIEWER_PW);
    await page.goto(`${server.url}/#/incidents/${encodeURIComponent(incident.id)}`);
    await page.getByRole('heading', { name: 'Kill chain' }).waitFor();
    await page.getByTestId('no-response').waitFor();
    await expect(page.getByRole('button', { name: 'Show response plan' }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: /Apply|Undo/ }).count()).resolves.toBe(0);
    const res = await page.request.post(
      `${server.url}/api/ui/incidents/${encodeURIComponent(incident.id)}/response`,
      {
        data: { apply: false },
      },
    );
    expect(res.status()).toBe(403);
    await shoot(page, '09-incident-viewer');
    await page.goto(`${server.url}/#/posture`);
    await page.locator('.score').first().waitFor();
    await expect(page.getByRole('button', { name: 'Suppress…' }).count()).resolves.toBe(0);
    expect(browser.external).toEqual([]);
  }, 60_000);
});
