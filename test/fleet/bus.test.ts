import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent.js';
import { BusTransport } from '../../src/agent/bus-transport.js';
import { loadAgentConfig } from '../../src/agent/config.js';
import { hashSecret, newId, newSecret } from '../../src/server/auth/secrets.js';
import { parseServerConfig } from '../../src/server/config.js';
import { type RunningServer, runServer } from '../../src/server/run.js';
import { deleteStream, uniqueBusNames } from './bus-names.js';
import { NATS_URL, serviceUp } from './services.js';
import { simulatedScan, until } from './sim-agent.js';

const natsUp = await serviceUp('nats');
const dir = mkdtempSync(join(tmpdir(), 'mw-bus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!natsUp)('NATS JetStream bus', () => {
  it('two server replicas share the durable consumer; one stops mid-stream; nothing is lost or duplicated', async () => {
    // A stream of this run only: parallel runs and leftovers of earlier ones never meet.
    const names = uniqueBusNames();
    const config = parseServerConfig({ bus: { ...names, ackWaitMs: 2000 } });
    const db = `sqlite:${join(dir, 'server.db')}`;
    const a: RunningServer = await runServer({ db, host: '127.0.0.1', port: 0, bus: NATS_URL, config });
    const b: RunningServer = await runServer({ db, host: '127.0.0.1', port: 0, bus: NATS_URL, config });
    const sims = Array.from({ length: 5 }, (_, i) => simulatedScan(`bus-${i}`, 10));
    const agents: Agent[] = [];
    for (const [i, sim] of sims.entries()) {
      const credential = newSecret('mwa');
      await a.store.auth.createAgent({
        id: newId('a'),
        hostId: `bus-${i}`,
        name: `bus-${i}`,
        credentialHash: hashSecret(credential),
        createdAt: new Date(),
      });
      const config = loadAgentConfig(undefined, {
        bus: NATS_URL,
        stateDir: join(dir, `agent-${i}`),
        scanIntervalMs: 3_600_000,
        heartbeatIntervalMs: 3_600_000,
      });
      const transport = await BusTransport.open(NATS_URL, credential, `bus-${i}`, names);
      agents.push(new Agent({ config, transport, scan: sim.scan }));
    }
    for (const ag of agents) ag.start();
    for (let round = 0; round < 20; round++) {
      await Promise.all(agents.map((ag) => ag.scanOnce()));
      if (round === 8) await a.close();
    }
    const total = sims.reduce((n, s) => n + s.sent().length, 0);
    await until('all committed', async () => (await b.store.fleet.countFindings()) >= total, 25_000).catch(
      async (e) => {
        throw new Error(
          `${(e as Error).message}: ${await b.store.fleet.countFindings()} of ${total}; a=${JSON.stringify(a.bus?.stats)} b=${JSON.stringify(b.bus?.stats)} queues=${agents.map((x) => x.queue.stats().depth)}`,
        );
      },
    );
    for (const ag of agents) await ag.stop();
    for (const [i, sim] of sims.entries()) {
      const ids = (await b.store.fleet.listFindings({ hostId: `bus-${i}`, limit: 10_000 })).map(
        (s) => s.finding.id,
      );
      expect(ids.sort()).toEqual([...sim.sent()].sort());
    }
    expect(await b.store.fleet.countFindings()).toBe(total);
    expect(a.bus!.stats.committed + b.bus!.stats.committed).toBeGreaterThanOrEqual(5 * 21);
    expect(b.bus!.stats.refused).toBe(0);
    await b.close();
    await deleteStream(NATS_URL, names.stream);
  });
});
