import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/agent/agent.js';
import type { Incident } from '../../src/model/incident.js';
import { hashSecret, newId, newSecret } from '../../src/server/auth/secrets.js';
import { parseServerConfig } from '../../src/server/config.js';
import type { RequestViewT } from '../../src/server/remote-response-view.js';
import { type RunningServer, runServer } from '../../src/server/run.js';
import { startEnrolledAgent } from '../helpers/fleet-harness.js';
import { deleteStream, uniqueBusNames } from './bus-names.js';
import { dropSchema, NATS_URL, PG_URL, serviceUp, uniqueSchema } from './services.js';
import { until } from './sim-agent.js';
import { type StandIn, startStandIn } from './standin.js';

const natsUp = await serviceUp('nats');
const pgUp = await serviceUp('postgres');

describe.skipIf(!natsUp || !pgUp)(
  'response on a remote host whose agent ships over NATS, fleet store on PostgreSQL',
  () => {
    let work: string;
    let srv: RunningServer | null = null;
    let agent: Agent | null = null;
    let miner: StandIn | null = null;
    const names = uniqueBusNames();
    const schema = uniqueSchema('mwrrb');

    afterAll(async () => {
      await agent?.stop();
      miner?.stop();
      await srv?.close();
      delete process.env.MINEWARDEN_RESPONSE_LOCAL;
      await deleteStream(NATS_URL, names.stream);
      await dropSchema(schema);
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('findings arrive over the bus; the agent still takes the apply and the undo over HTTP, acts, and reports', async () => {
      work = mkdtempSync(join(tmpdir(), 'mw-remote-bus-'));
      mkdirSync(join(work, 'root'));
      // This machine is the agent's host and the server's: the server must not act here itself.
      process.env.MINEWARDEN_RESPONSE_LOCAL = 'off';
      srv = await runServer({
        db: `${PG_URL}?schema=${schema}`,
        host: '127.0.0.1',
        port: 0,
        bus: NATS_URL,
        config: parseServerConfig({ bus: names }),
      });
      const server = srv;
      const userId = newId('u');
      await server.store.auth.createUser({
        id: userId,
        name: 'ana',
        role: 'analyst',
        passwordHash: 'x',
        createdAt: new Date(),
      });
      const token = newSecret('mwt');
      await server.store.auth.createApiToken({
        id: newId('t'),
        userId,
        name: 'test',
        role: 'analyst',
        tokenHash: hashSecret(token),
        createdAt: new Date(),
        expiresAt: null,
      });
      const stand = await startStandIn(work);
      miner = stand;
      agent = await startEnrolledAgent(
        server,
        { root: '/', stateDir: join(work, 'agent') },
        {
          bus: NATS_URL,
          busNames: { stream: names.stream, subjectPrefix: names.subjectPrefix },
          remoteResponse: { pollMs: 300, root: join(work, 'root') },
        },
      );
      let incident: Incident | undefined;
      await until(
        'the stand-in incident over the bus',
        async () => {
          const rows = await server.store.fleet.listFindings({ limit: 100_000 });
          const ids = rows.filter((r) => r.finding.entity.pid === stand.pid).map((r) => r.finding.id);
          incident = (await server.store.fleet.listIncidents()).find((i) =>
            i.findings.some((f) => ids.includes(f)),
          );
          return incident !== undefined;
        },
        60_000,
      );
      expect(server.bus?.stats.committed ?? 0).toBeGreaterThan(0);
      const id = encodeURIComponent((incident as Incident).id);
      const ask = async (apply: boolean): Promise<RequestViewT> => {
        const res = await fetch(`${server.url}/api/ui/incidents/${id}/response`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ apply }),
        });
        expect(res.status).toBe(202);
        const first = ((await res.json()) as { request: RequestViewT }).request;
        let last = first;
        await until(
          'the agent reports',
          async () => {
            const r = await fetch(`${server.url}/api/ui/response/requests/${first.id}`, {
              headers: { authorization: `Bearer ${token}` },
            });
            last = (await r.json()) as RequestViewT;
            return last.status === 'done' || last.status === 'failed';
          },
          30_000,
        );
        return last;
      };
      const plan = await ask(false);
      expect(plan.status, plan.message ?? '').toBe('done');
      // Only the stand-in may be acted on.
      const kills = plan.result?.entries.filter((e) => e.kind === 'kill' && e.status === 'planned') ?? [];
      expect(kills.length).toBeGreaterThan(0);
      for (const k of kills) expect(k.target.startsWith(`pid ${stand.pid} `), k.target).toBe(true);
      expect(stand.alive()).toBe(true);

      const applied = await ask(true);
      expect(applied.status, applied.message ?? '').toBe('done');
      expect(applied.result?.entries.find((e) => e.kind === 'kill')?.status).toBe('applied');
      expect(await stand.gone(5000)).toBe(true);
      expect(existsSync(stand.exe)).toBe(false);
      const hostId = agent.currentHost()?.id ?? '';
      const fleet = (await server.store.actions.list({ hostId, limit: 100_000 })).filter(
        (a) => (a.data as { runId?: string }).runId === applied.result?.runId && a.status === 'applied',
      );
      expect(fleet.map((a) => a.kind).sort()).toEqual(['kill', 'quarantine']);

      // Undo through the agent: the fleet journal's entry (PostgreSQL upsert) moves to undone, the binary is back.
      const u = await fetch(`${server.url}/api/ui/response/runs/${applied.result?.runId}/undo`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(u.status).toBe(202);
      const undoId = ((await u.json()) as { request: RequestViewT }).request.id;
      await until(
        'the undo is reported',
        async () => (await server.store.responses.get(undoId))?.status === 'done',
        30_000,
      );
      const quarantine = (await server.store.actions.list({ hostId, limit: 100_000 })).find(
        (a) => a.kind === 'quarantine' && (a.data as { runId?: string }).runId === applied.result?.runId,
      );
      expect(quarantine?.status).toBe('undone');
      expect(existsSync(stand.exe)).toBe(true);
    }, 120_000);
  },
);
