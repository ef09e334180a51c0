import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent.js';
import { loadAgentConfig } from '../../src/agent/config.js';
import { HttpTransport } from '../../src/agent/transport.js';
import { hashSecret, newId, newSecret } from '../../src/server/auth/secrets.js';
import { type RunningServer, runServer } from '../../src/server/run.js';
import { drained, simulatedScan, until } from './sim-agent.js';

/**
 * Reliability (b): the server is down while agents keep detecting. The suite uses a short outage; the full
 * two minutes runs with MINEWARDEN_FULL_OUTAGE=1 (or any length with MINEWARDEN_OUTAGE_MS).
 */
const OUTAGE_MS = Number(
  process.env.MINEWARDEN_OUTAGE_MS ?? (process.env.MINEWARDEN_FULL_OUTAGE === '1' ? 120_000 : 3_000),
);
const dir = mkdtempSync(join(tmpdir(), 'mw-outage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reliability: server outage', () => {
  it(
    `server down for ${OUTAGE_MS / 1000} s: agents queue to disk and drain after, nothing lost or doubled`,
    async () => {
      const db = `sqlite:${join(dir, 'server.db')}`;
      let srv: RunningServer = await runServer({ db, host: '127.0.0.1', port: 0 });
      const url = srv.url;
      const port = Number(new URL(url).port);
      const sims = Array.from({ length: 5 }, (_, i) => simulatedScan(`out-${i}`, 5));
      const agents: Agent[] = [];
      for (const [i, sim] of sims.entries()) {
        const credential = newSecret('mwa');
        await srv.store.auth.createAgent({
          id: newId('a'),
          hostId: `out-${i}`,
          name: `out-${i}`,
          credentialHash: hashSecret(credential),
          createdAt: new Date(),
        });
        const config = loadAgentConfig(undefined, {
          server: url,
          stateDir: join(dir, `agent-${i}`),
          scanIntervalMs: 3_600_000,
          heartbeatIntervalMs: 3_600_000,
          // A long outage backs off to the cap; the cap bounds how late the drain starts after the server returns.
          backoff: { initialMs: 100, maxMs: 2_000 },
        });
        agents.push(
          new Agent({ config, transport: new HttpTransport(url, () => credential), scan: sim.scan }),
        );
      }
      for (const a of agents) a.start();
      await until('first batches', () => agents.every((a) => a.shipper.sent >= 1));
      await srv.close();
      const downAt = Date.now();
      // Agents keep scanning through the outage: one scan each per ~250 ms.
      while (Date.now() - downAt < OUTAGE_MS) {
        await Promise.all(agents.map((a) => a.scanOnce()));
        await new Promise((r) => setTimeout(r, 250));
      }
      const queued = agents.reduce((n, a) => n + a.queue.stats().depth, 0);
      expect(queued).toBeGreaterThanOrEqual(agents.length * 2);
      srv = await runServer({ db, host: '127.0.0.1', port });
      await until('drain', () => drained(agents), 30_000);
      const dropped = agents.reduce(
        (n, a) => n + a.queue.counter('dropped') + a.queue.counter('rejected'),
        0,
      );
      for (const a of agents) await a.stop();
      for (const [i, sim] of sims.entries()) {
        const ids = (await srv.store.fleet.listFindings({ hostId: `out-${i}`, limit: 1_000_000 })).map(
          (s) => s.finding.id,
        );
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.sort()).toEqual([...sim.sent()].sort());
      }
      expect(dropped).toBe(0);
      await srv.close();
    },
    OUTAGE_MS + 60_000,
  );
});
