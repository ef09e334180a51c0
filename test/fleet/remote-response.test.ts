import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/agent/agent.js';
import { loadCredential } from '../../src/agent/enroll.js';
import { RemoteResponder } from '../../src/agent/remote-respond.js';
import type { Incident } from '../../src/model/incident.js';
import { hashSecret, newId, newSecret } from '../../src/server/auth/secrets.js';
import type { RequestViewT } from '../../src/server/remote-response-view.js';
import type { RunningServer } from '../../src/server/run.js';
import { openStore } from '../../src/store/open.js';
import { runCli } from '../helpers/cli.js';
import { addAgent, sqliteServer, startEnrolledAgent } from '../helpers/fleet-harness.js';
import { batch, host } from './fixtures.js';
import { until } from './sim-agent.js';
import { type StandIn, startStandIn } from './standin.js';

let work: string;
let srv: RunningServer;
let agent: Agent | null = null;
let analyst: string;
const standIns: StandIn[] = [];

async function standIn(): Promise<StandIn> {
  const s = await startStandIn(work);
  standIns.push(s);
  return s;
}

async function api(path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  return fetch(new URL(path, srv.url), {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${analyst}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
}

async function ask(incidentId: string, body: Record<string, unknown>): Promise<RequestViewT> {
  const res = await api(`/api/ui/incidents/${encodeURIComponent(incidentId)}/response`, {
    method: 'POST',
    body,
  });
  expect(res.status, await res.clone().text()).toBe(202);
  return ((await res.json()) as { request: RequestViewT }).request;
}

async function request(id: string): Promise<RequestViewT> {
  const res = await api(`/api/ui/response/requests/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as RequestViewT;
}

async function settled(id: string, timeoutMs = 30_000): Promise<RequestViewT> {
  let last: RequestViewT | null = null;
  await until(
    `request ${id} done or failed`,
    async () => {
      last = await request(id);
      return last.status === 'done' || last.status === 'failed';
    },
    timeoutMs,
  );
  return last as unknown as RequestViewT;
}

/** The stored incident holding the stand-in's findings, once the agent shipped it. */
async function incidentOf(pid: number): Promise<Incident> {
  let found: Incident | undefined;
  await until(
    `incident of pid ${pid} on the server`,
    async () => {
      const rows = await srv.store.fleet.listFindings({ limit: 100_000 });
      const ids = rows.filter((r) => r.finding.entity.pid === pid).map((r) => r.finding.id);
      found = (await srv.store.fleet.listIncidents()).find((i) => i.findings.some((f) => ids.includes(f)));
      return found !== undefined;
    },
    60_000,
  );
  return found as unknown as Incident;
}

/**
 * Every kill the plan would carry out targets one of `pids`: nothing else on this shared machine may ever be applied.
 * (Stale findings of a stand-in already gone are planned too, and refused by the identity check: they never act.)
 */
function onlyKills(r: RequestViewT, pids: number[]): void {
  const kills = r.result?.entries.filter((e) => e.kind === 'kill' && e.status !== 'refused') ?? [];
  expect(kills.length).toBeGreaterThan(0);
  for (const k of kills)
    expect(
      pids.some((p) => k.target.startsWith(`pid ${p} `)),
      `${k.target} (ours: ${pids})`,
    ).toBe(true);
}

const stateDir = () => join(work, 'agent-state');
const respRoot = () => join(work, 'root');

function agentOptions(enabled: boolean): Record<string, unknown> {
  return { remoteResponse: { enabled, pollMs: 300, root: respRoot() } };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'mw-remote-resp-'));
  mkdirSync(respRoot());
  // The server runs on this machine too: it must not act here itself, so its host goes through the agent like any
  // remote host would.
  process.env.MINEWARDEN_RESPONSE_LOCAL = 'off';
  srv = await sqliteServer(work);
  const userId = newId('u');
  await srv.store.auth.createUser({
    id: userId,
    name: 'ana',
    role: 'analyst',
    passwordHash: 'x',
    createdAt: new Date(),
  });
  analyst = newSecret('mwt');
  await srv.store.auth.createApiToken({
    id: newId('t'),
    userId,
    name: 'test',
    role: 'analyst',
    tokenHash: hashSecret(analyst),
    createdAt: new Date(),
    expiresAt: null,
  });
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  for (const s of standIns) s.stop();
  await srv?.close();
  delete process.env.MINEWARDEN_RESPONSE_LOCAL;
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('response on a remote host through its agent', () => {
  it('plans (nothing touched), applies (stand-in killed, binary quarantined, journal in the fleet store) and undoes (binary back)', async () => {
    const miner = await standIn();
    const pid = miner.pid;
    agent = await startEnrolledAgent(srv, { root: '/', stateDir: stateDir() }, agentOptions(true));
    const incident = await incidentOf(pid);
    const hostId = agent.currentHost()?.id as string;
    expect(incident.host.id).toBe(hostId);

    const page = (await (
      await api(`/api/ui/incidents/${encodeURIComponent(incident.id)}/response`)
    ).json()) as {
      mode: string;
    };
    expect(page.mode).toBe('remote');

    const plan = await settled((await ask(incident.id, { apply: false })).id);
    expect(plan.status, plan.message ?? '').toBe('done');
    expect(plan.requestedBy).toBe('ana');
    onlyKills(plan, [pid]);
    const planned = plan.result?.entries.filter((e) => e.status === 'planned').map((e) => e.kind) ?? [];
    expect([...new Set(planned)].sort()).toEqual(['kill', 'quarantine']);
    expect(plan.result?.entries.find((e) => e.kind === 'quarantine' && e.status === 'planned')?.target).toBe(
      miner.exe,
    );
    // A dry run touches nothing.
    expect(miner.alive()).toBe(true);
    expect(existsSync(miner.exe)).toBe(true);

    const applied = await settled((await ask(incident.id, { apply: true })).id);
    expect(applied.status, applied.message ?? '').toBe('done');
    const byKind = Object.fromEntries(applied.result?.entries.map((e) => [e.kind, e.status]) ?? []);
    expect(byKind.kill).toBe('applied');
    expect(byKind.quarantine).toBe('applied');
    expect(await miner.gone(5000)).toBe(true);
    expect(existsSync(miner.exe)).toBe(false);
    // The fleet journal holds the entries under the agent's host, and the incident's journal shows them.
    const fleet = (await srv.store.actions.list({ hostId, limit: 100_000 })).filter(
      (a) => (a.data as { runId?: string }).runId === applied.result?.runId,
    );
    // The pool is on loopback: the safety layer refuses to block it, so this machine's firewall is untouched.
    expect(fleet.map((a) => `${a.kind}:${a.status}`).sort()).toEqual([
      'block:refused',
      'kill:applied',
      'quarantine:applied',
    ]);
    const journal = (await (
      await api(`/api/ui/incidents/${encodeURIComponent(incident.id)}/actions`)
    ).json()) as {
      actions: Array<{ runId: string; kind: string; status: string }>;
    };
    expect(
      journal.actions.filter((a) => a.runId === applied.result?.runId && a.status === 'applied').length,
    ).toBe(2);
    // The host's own journal has them too, so `minewarden undo` there still works.
    const local = await openStore(`sqlite:${join(stateDir(), 'minewarden.db')}`);
    try {
      const mine = (await local.actions.list({ limit: 100_000 })).filter(
        (a) => (a.data as { runId?: string }).runId === applied.result?.runId,
      );
      expect(mine.map((a) => a.id).sort()).toEqual(fleet.map((a) => a.id).sort());
    } finally {
      await local.close();
    }

    const undoRes = await api(`/api/ui/response/runs/${applied.result?.runId}/undo`, { method: 'POST' });
    expect(undoRes.status).toBe(202);
    const undo = await settled(((await undoRes.json()) as { request: RequestViewT }).request.id);
    expect(undo.status, undo.message ?? '').toBe('done');
    expect(undo.result?.outcomes?.find((o) => o.kind === 'quarantine')).toMatchObject({ ok: true });
    expect(existsSync(miner.exe)).toBe(true);
    expect(statSync(miner.exe).size).toBe(statSync('/bin/bash').size);
    const after = (await srv.store.actions.list({ hostId, limit: 100_000 })).find(
      (a) => a.kind === 'quarantine' && (a.data as { runId?: string }).runId === applied.result?.runId,
    );
    expect(after?.status).toBe('undone');
  }, 180_000);

  it('an unknown incident is 404, a host without an agent 409, an expired request fails with a message', async () => {
    expect((await ask404('inc-does-not-exist')).status).toBe(404);

    const lone: Incident = {
      id: 'inc-lone-host',
      host: { id: 'h-no-agent', name: 'no-agent-host' },
      severity: 'high',
      title: 'Miner on a host without an agent',
      firstSeen: new Date().toISOString(),
      lastSeen: new Date().toISOString(),
      stages: [],
      entryPoint: null,
      attribution: [],
      findings: [],
    };
    await srv.store.fleet.ingest(batch('h-no-agent', 'b-lone', [], { incidents: [lone] }), null, new Date());
    const res = await api(`/api/ui/incidents/${lone.id}/response`, {
      method: 'POST',
      body: { apply: false },
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /no-agent-host has no enrolled agent/,
    );

    // An enrolled host whose agent never polls: its request fails at expiry, with the reason.
    await addAgent(srv, 'h-silent');
    const silent = { ...lone, id: 'inc-silent-host', host: { id: 'h-silent', name: 'silent' } };
    await srv.store.fleet.ingest(
      batch('h-silent', 'b-silent', [], { host: host('h-silent', 'silent'), incidents: [silent] }),
      null,
      new Date(),
    );
    const rq = await ask(silent.id, { apply: true, expiresInSec: 1 });
    expect(rq.status).toBe('pending');
    await new Promise((r) => setTimeout(r, 1300));
    const failed = await request(rq.id);
    expect(failed.status).toBe('failed');
    expect(failed.message).toMatch(/expired: the host agent did not take the request/);
  }, 30_000);

  it('an agent that stops mid-request never acts twice: started and unreported -> failed, not rerun; run and unreported -> reported once; minewarden undo on the host reverses it', async () => {
    await agent?.stop();
    const miner = await standIn();
    const pid = miner.pid;
    // The agent ships the new stand-in's findings, with its own remote responses off: the responders below play the
    // agent before and after a restart, with its credential and state dir.
    agent = await startEnrolledAgent(srv, { root: '/', stateDir: stateDir() }, agentOptions(false));
    const incident = await incidentOf(pid);
    await agent.stop();
    agent = null;
    const cred = loadCredential(stateDir());
    if (!cred) throw new Error('the agent left no credential');
    const responder = (hooks: ConstructorParameters<typeof RemoteResponder>[0]['hooks']) =>
      new RemoteResponder({
        server: srv.url,
        credential: () => cred.credential,
        stateDir: stateDir(),
        pollMs: 60_000,
        root: respRoot(),
        procDir: '/proc',
        ...(hooks ? { hooks } : {}),
      });
    const stop = async () => {
      throw new Error('agent stopped (test)');
    };

    // First the plan, so the kill targets are checked before anything may be applied.
    const first = responder(undefined);
    const plan = await ask(incident.id, { apply: false });
    await first.pollOnce();
    onlyKills(await settled(plan.id), [pid]);

    // Stops right after taking an apply, before acting: the next start reports it failed and does not run it.
    const a = await ask(incident.id, { apply: true });
    await responder({ afterStart: stop }).pollOnce();
    expect((await request(a.id)).status).toBe('taken');
    await responder(undefined).pollOnce();
    const interrupted = await request(a.id);
    expect(interrupted.status).toBe('failed');
    expect(interrupted.message).toMatch(/stopped while running this request and did not run it again/);
    expect(miner.alive()).toBe(true);
    expect(existsSync(miner.exe)).toBe(true);

    // Stops after acting, before reporting: the next start reports what it did, without acting again.
    const b = await ask(incident.id, { apply: true });
    const c = responder({ beforeReport: stop });
    await c.pollOnce();
    expect(c.handled).toBe(1);
    expect((await request(b.id)).status).toBe('taken');
    expect(await miner.gone(5000)).toBe(true);
    const d = responder(undefined);
    await d.pollOnce();
    expect(d.handled).toBe(0);
    const done = await request(b.id);
    expect(done.status, done.message ?? '').toBe('done');
    expect(done.result?.entries.find((e) => e.kind === 'kill')?.status).toBe('applied');
    const local = await openStore(`sqlite:${join(stateDir(), 'minewarden.db')}`);
    try {
      const kills = (await local.actions.list({ status: 'applied', limit: 100_000 })).filter(
        (x) => x.kind === 'kill' && (x.data as { incidentId?: string }).incidentId === incident.id,
      );
      expect(kills.length).toBe(1);
    } finally {
      await local.close();
    }
    // Nothing is left for this host, and a further poll does nothing.
    await d.pollOnce();
    expect(d.handled).toBe(0);
    // Stops after running a plan, before reporting, and comes back after the request expired: the record is still
    // reported, and the server keeps it with a note.
    const late = await ask(incident.id, { apply: false, expiresInSec: 1 });
    await responder({ beforeReport: stop }).pollOnce();
    await new Promise((r) => setTimeout(r, 1300));
    expect((await request(late.id)).status).toBe('failed');
    await responder(undefined).pollOnce();
    const lateDone = await request(late.id);
    expect(lateDone.status).toBe('done');
    expect(lateDone.message).toMatch(/reported after the request expired/);
    expect(lateDone.result?.runId).toMatch(/^run-/);
    // The host's own journal is the one `minewarden undo` reads: the binary the remote apply quarantined comes back.
    const undo = await runCli([
      'undo',
      '--run',
      done.result?.runId ?? '',
      '--state-dir',
      stateDir(),
      '--format',
      'json',
    ]);
    expect(undo.code, undo.stderr).toBe(0);
    expect(existsSync(miner.exe)).toBe(true);
    expect(statSync(miner.exe).size).toBe(statSync('/bin/bash').size);
  }, 180_000);
});

async function ask404(id: string): Promise<Response> {
  return api(`/api/ui/incidents/${id}/response`, { method: 'POST', body: { apply: false } });
}
