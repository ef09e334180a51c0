import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finding } from '../../test/fleet/fixtures.js';
import { FakeRoot } from '../../test/helpers/fake-proc.js';
import { addAgent, sqliteServer } from '../../test/helpers/fleet-harness.js';
import type { Incident } from '../model/incident.js';
import type { RunningServer } from '../server/run.js';
import type { ResponseRequestRecord } from '../store/response-requests.js';
import { RemoteResponder } from './remote-respond.js';

let srv: RunningServer;
let fake: FakeRoot;
let credA: string;
let credB: string;

beforeAll(async () => {
  fake = new FakeRoot().add({ pid: 1, comm: 'init', argv: ['/sbin/init'], exe: '/sbin/init' }).add({
    pid: 4242,
    ppid: 1,
    comm: 'xmrig',
    argv: ['/tmp/.x/xmrig', '-o', 'stratum+tcp://127.0.0.1:3333'],
    exe: '/tmp/.x/xmrig',
    starttime: 777,
  });
  srv = await sqliteServer(fake.root);
  credA = await addAgent(srv, 'host-a');
  credB = await addAgent(srv, 'host-b');
});

afterAll(async () => {
  await srv?.close();
  fake?.cleanup();
});

function responder(cred: string, name: string): RemoteResponder {
  const stateDir = join(fake.root, `state-${name}`);
  mkdirSync(stateDir, { recursive: true });
  return new RemoteResponder({
    server: srv.url,
    credential: () => cred,
    stateDir,
    pollMs: 60_000,
    root: fake.root,
    procDir: fake.proc,
    hostId: cred === credA ? 'host-a' : 'host-b',
  });
}

let n = 0;
async function stored(hostId: string, op: 'plan' | 'undo', extra: Record<string, unknown>): Promise<string> {
  const id = `rq-${(0xabc000 + n++).toString(16).padStart(16, '0')}`;
  const now = Date.now();
  const rec: ResponseRequestRecord = {
    id,
    hostId,
    incidentId: 'inc-unit',
    op,
    status: 'pending',
    requestedBy: 'ana',
    createdAt: new Date(now).toISOString(),
    updatedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 60_000).toISOString(),
    takenAt: null,
    agentId: null,
    message: null,
    request: { incident: null, findings: [], confirm: false, runId: null, ...extra },
    result: null,
  };
  await srv.store.responses.create(rec);
  return id;
}

describe('remote responder (agent side)', () => {
  it('idle polls are answered 304 after the first', async () => {
    const a = responder(credA, 'idle');
    for (let i = 0; i < 3; i++) await a.pollOnce();
    // The server caches its open list for a second: nothing open anywhere, so every answer is the same empty set.
    expect(a.polls).toBe(3);
    expect(a.notModified).toBe(2);
    expect(a.failures).toBe(0);
    expect(a.handled).toBe(0);
  });

  it('sees only its own host’s requests; another host’s cannot be taken with its credential', async () => {
    const forB = await stored('host-b', 'plan', {});
    const a = responder(credA, 'iso');
    await new Promise((r) => setTimeout(r, 1100));
    await a.pollOnce();
    expect(a.handled).toBe(0);
    expect((await srv.store.responses.get(forB))?.status).toBe('pending');
    const take = await fetch(`${srv.url}/api/agent/response-requests/${forB}/take`, {
      method: 'POST',
      headers: { authorization: `Bearer ${credA}` },
    });
    expect(take.status).toBe(409);
    // A report before taking is refused too.
    const report = await fetch(`${srv.url}/api/agent/response-requests/${forB}/report`, {
      method: 'POST',
      headers: { authorization: `Bearer ${credB}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'done', runId: null, apply: false, notes: [], entries: [] }),
    });
    expect(report.status).toBe(409);
  });

  it('a plan request builds the plan from the findings it carries; an undo of a run it never ran and a malformed request fail with the reason', async () => {
    const miner = finding('host-a', 1);
    miner.entity = { kind: 'process', pid: 4242, exe: '/tmp/.x/xmrig', name: 'xmrig', startTime: '777' };
    miner.id = 'f-unit-miner';
    miner.incidentId = 'inc-unit';
    miner.severity = 'critical';
    const incident: Incident = {
      id: 'inc-unit',
      host: { id: 'host-a', name: 'a' },
      severity: 'high',
      title: 'unit',
      firstSeen: new Date().toISOString(),
      lastSeen: new Date().toISOString(),
      stages: [],
      entryPoint: null,
      attribution: [],
      findings: [miner.id],
    };
    const plan = await stored('host-a', 'plan', { incident, findings: [miner] });
    const undo = await stored('host-a', 'undo', { runId: 'run-0badc0de' });
    const bad = await stored('host-a', 'plan', { incident: { id: 'inc-unit' } });
    // A request whose incident names another host (a server bug or worse) is refused by the agent.
    const other = await stored('host-a', 'plan', {
      incident: { ...incident, host: { id: 'host-b', name: 'b' } },
    });
    const a = responder(credA, 'run');
    await new Promise((r) => setTimeout(r, 1100));
    await a.pollOnce();
    expect(a.handled).toBe(3);
    expect(await srv.store.responses.get(other)).toMatchObject({
      status: 'failed',
      message: 'request is about another host than this one (host-a)',
    });
    const p = await srv.store.responses.get(plan);
    expect(p).toMatchObject({ status: 'done', agentId: 'a-host-a' });
    expect(p?.result).toMatchObject({ apply: false });
    // The plan names the fake process (a dry run: planned, or refused by the safety layer, never applied).
    const entries = (await srv.store.actions.list({ hostId: 'host-a', limit: 1000 })).filter((e) =>
      ((p?.result?.entryIds as string[]) ?? []).includes(e.id),
    );
    expect(entries.some((e) => e.kind === 'kill' && e.target.startsWith('pid 4242'))).toBe(true);
    expect(entries.every((e) => e.status === 'planned' || e.status === 'refused')).toBe(true);
    const u = await srv.store.responses.get(undo);
    expect(u).toMatchObject({ status: 'failed', message: "no run run-0badc0de in this host's journal" });
    // A request that breaks the contract is failed with the field, and does not hold up the others.
    expect(await srv.store.responses.get(bad)).toMatchObject({ status: 'failed' });
    expect((await srv.store.responses.get(bad))?.message).toMatch(/^malformed request: incident\./);
    // Done: the next poll finds nothing to do.
    await new Promise((r) => setTimeout(r, 1100));
    await a.pollOnce();
    expect(a.handled).toBe(3);
  });
});
