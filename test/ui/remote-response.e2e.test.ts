import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/agent/agent.js';
import type { Incident } from '../../src/model/incident.js';
import type { RunningServer } from '../../src/server/run.js';
import { until } from '../fleet/sim-agent.js';
import { type StandIn, startStandIn } from '../fleet/standin.js';
import { sqliteServer, startEnrolledAgent } from '../helpers/fleet-harness.js';
import { type Browser, launchBrowser } from './browser.js';
import { ensureBundle, keyboardLogin, shoot } from './helpers.js';

// The server does not act on its own host here (MINEWARDEN_RESPONSE_LOCAL=off), so this machine is a remote host
// to it: every step goes to the enrolled agent, which runs it and reports back. The stand-in is this test's own
// (test/fleet/standin.ts).

describe('dashboard response on a remote host (through its agent) in headless Chromium', () => {
  let tmp: string;
  let server: RunningServer;
  let agent: Agent;
  let browser: Browser;
  let page: Page;
  let miner: StandIn;
  let exe: string;
  let incident: Incident;

  beforeAll(async () => {
    ensureBundle();
    tmp = mkdtempSync(join(tmpdir(), 'mw-ui-remote-'));
    mkdirSync(join(tmp, 'root'));
    miner = await startStandIn(tmp);
    exe = miner.exe;
    process.env.MINEWARDEN_RESPONSE_LOCAL = 'off';
    server = await sqliteServer(tmp);
    agent = await startEnrolledAgent(
      server,
      { root: '/', stateDir: join(tmp, 'agent') },
      { remoteResponse: { pollMs: 300, root: join(tmp, 'root') } },
    );
    let found: Incident | undefined;
    await until(
      'the stand-in incident on the server',
      async () => {
        const rows = await server.store.fleet.listFindings({ limit: 100_000 });
        const ids = rows.filter((r) => r.finding.entity.pid === miner.pid).map((r) => r.finding.id);
        found = (await server.store.fleet.listIncidents()).find((i) =>
          i.findings.some((f) => ids.includes(f)),
        );
        return found !== undefined;
      },
      60_000,
    );
    incident = found as Incident;
    browser = await launchBrowser();
    page = await browser.context.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    miner?.stop();
    await server?.close();
    delete process.env.MINEWARDEN_RESPONSE_LOCAL;
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('plans, applies after confirmation and undoes on the remote host, showing the requests and the journal', async () => {
    const admin = server.firstAdmin;
    if (!admin) throw new Error('no first admin');
    await keyboardLogin(page, server.url, admin.name, admin.password);
    await page.goto(`${server.url}/#/incidents/${encodeURIComponent(incident.id)}`);
    await page.getByTestId('remote-note').waitFor();

    await page.getByRole('button', { name: 'Show response plan' }).click();
    const plan = page.getByTestId('plan');
    await plan.waitFor({ timeout: 30_000 });
    // Only the stand-in may be acted on: every kill that is not refused names its pid.
    const kills = await plan.locator('tr[data-kind="kill"][data-status="planned"] td.mono').allTextContents();
    expect(kills.length).toBeGreaterThan(0);
    for (const k of kills) expect(k.startsWith(`pid ${miner.pid} `), k).toBe(true);
    await expect(
      plan.locator('tr[data-kind="quarantine"][data-status="planned"] td.mono').allTextContents(),
    ).resolves.toEqual([exe]);
    expect(miner.alive()).toBe(true);
    expect(existsSync(exe)).toBe(true);
    await page.getByTestId('requests').locator('tr[data-op="plan"][data-status="done"]').waitFor();
    await shoot(page, '20-remote-plan');

    await page.getByRole('button', { name: 'Apply plan…' }).click();
    await page.getByRole('dialog').waitFor();
    await page.getByRole('button', { name: 'Apply now' }).click();
    const applied = page.getByTestId('applied');
    await applied.waitFor({ timeout: 30_000 });
    await expect(applied.locator('tr[data-kind="kill"][data-status="applied"]').count()).resolves.toBe(1);
    await expect(applied.locator('tr[data-kind="quarantine"][data-status="applied"]').count()).resolves.toBe(
      1,
    );
    expect(await miner.gone(5000)).toBe(true);
    expect(existsSync(exe)).toBe(false);
    await shoot(page, '21-remote-applied');

    await page.getByRole('button', { name: 'Undo this response' }).click();
    const undone = page.getByTestId('undone');
    await undone.waitFor({ timeout: 30_000 });
    await expect(undone.getByText(/undid quarantine/).isVisible()).resolves.toBe(true);
    expect(existsSync(exe)).toBe(true);
    expect(statSync(exe).size).toBe(statSync('/bin/bash').size);
    await until('journal shows the undone quarantine', async () =>
      page
        .locator('tr[data-kind="quarantine"][data-status="undone"]')
        .count()
        .then((n) => n > 0),
    );
    await shoot(page, '22-remote-undone');
    expect(browser.external).toEqual([]);
  }, 120_000);
});
