import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent.js';
import { BusTransport } from '../../src/agent/bus-transport.js';
import { loadAgentConfig } from '../../src/agent/config.js';
import { hashSecret, newId, newSecret } from '../../src/server/auth/secrets.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { deleteStream, uniqueBusNames } from './bus-names.js';
import { killHard, type ServerProcess, startServerProcess } from './server-process.js';
import { dropSchema, NATS_URL, PG_URL, serviceUp, uniqueSchema } from './services.js';
import { simulatedScan, until } from './sim-agent.js';

const up = (await serviceUp('nats')) && (await serviceUp('postgres'));
const dir = mkdtempSync(join(tmpdir(), 'mw-buskill-'));
const schema = uniqueSchema('mwbus');
const names = uniqueBusNames();
const servers: ServerProcess[] = [];
let store: Store | null = null;

afterAll(async () => {
  for (const s of servers) await killHard(s);
  await store?.close();
  if (up) {
    await deleteStream(NATS_URL, names.stream);
    await dropSchema(schema);
  }
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!up)('bus replicas as processes on PostgreSQL', () => {
  it('kill -9 of one replica mid-stream: every batch is committed once, by the survivor', async () => {
    const cfg = join(dir, 'server.yaml');
    writeFileSync(
      cfg,
      `bus:\n  stream: ${names.stream}\n  consumer: ${names.consumer}\n  subjectPrefix: ${names.subjectPrefix}\n  ackWaitMs: 2000\nfleet:\n  everyMs: 600000\n`,
    );
    const db = `${PG_URL}?schema=${schema}`;
    const args = ['--db', db, '--bus', NATS_URL, '--config', cfg, '--port', '0'];
    // One at a time: both would race to create the first admin on an empty schema.
    servers.push(await startServerProcess(args));
    servers.push(await startServerProcess(args));
    const [victim, survivor] = servers as [ServerProcess, ServerProcess];
    store = await openStore(PG_URL, { schema });

    const sims = Array.from({ length: 6 }, (_, i) => simulatedScan(`bk-${i}`, 10));
    const agents: Agent[] = [];
    for (const [i, sim] of sims.entries()) {
      const credential = newSecret('mwa');
      await store.auth.createAgent({
        id: newId('a'),
        hostId: `bk-${i}`,
        name: `bk-${i}`,
        credentialHash: hashSecret(credential),
        createdAt: new Date(),
      });
      const config = loadAgentConfig(undefined, {
        bus: NATS_URL,
        busNames: { stream: names.stream, subjectPrefix: names.subjectPrefix },
        stateDir: join(dir, `agent-${i}`),
        scanIntervalMs: 3_600_000,
        heartbeatIntervalMs: 3_600_000,
      });
      const transport = await BusTransport.open(NATS_URL, credential, `bk-${i}`, names);
      agents.push(new Agent({ config, transport, scan: sim.scan }));
    }
    for (const a of agents) a.start();
    let producing = true;
    const producers = agents.map(async (a) => {
      while (producing) {
        await a.scanOnce();
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    const s = store;
    await until('both replicas are committing', async () => (await s.fleet.countFindings()) >= 300, 20_000);
    // Mid-stream means the victim is really consuming: its own /metrics shows commits.
    const committed = async (p: ServerProcess) =>
      Number(
        /^minewarden_bus_messages_total\{outcome="committed"\} (\d+)/m.exec(
          await (await fetch(`${p.url}/metrics`)).text(),
        )?.[1] ?? 0,
      );
    await until('the victim commits', async () => (await committed(victim)) > 0, 10_000);
    expect(await committed(survivor)).toBeGreaterThan(0);
    await killHard(victim);
    await new Promise((r) => setTimeout(r, 500));
    producing = false;
    await Promise.all(producers);
    const total = sims.reduce((n, x) => n + x.sent().length, 0);
    await until(
      'the survivor commits the rest',
      async () => (await s.fleet.countFindings()) >= total,
      30_000,
    );
    for (const a of agents) await a.stop();

    for (const [i, sim] of sims.entries()) {
      const ids = (await s.fleet.listFindings({ hostId: `bk-${i}`, limit: 100_000 })).map(
        (x) => x.finding.id,
      );
      expect(ids.sort()).toEqual([...sim.sent()].sort());
    }
    expect(await s.fleet.countFindings()).toBe(total);
    // The work queue is empty and nothing waits for an ack from the dead replica.
    const nc = await connect({ servers: NATS_URL });
    try {
      const jsm = await nc.jetstreamManager();
      await until(
        'consumer settles',
        async () => {
          const ci = await jsm.consumers.info(names.stream, names.consumer);
          return ci.num_pending === 0 && ci.num_ack_pending === 0;
        },
        10_000,
      );
    } finally {
      await nc.close();
    }
    expect(survivor.child.exitCode).toBeNull();
  });
});
