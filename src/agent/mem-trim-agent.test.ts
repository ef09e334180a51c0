import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../../test/fleet/sim-agent.js';
import { FakeRoot } from '../../test/helpers/fake-proc.js';
import { sqliteServer, startEnrolledAgent } from '../../test/helpers/fleet-harness.js';

const built = existsSync(resolve(import.meta.dirname, '../../build/Release/mem_trim.node'));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? res(a.port) : rej(new Error('no port'))));
    });
  });
}

async function metric(port: number, name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

describe('the agent trims unused file-backed pages', () => {
  it.skipIf(!built && process.env.MINEWARDEN_REQUIRE_SERVICES !== '1')(
    'at start and after each scan, counted in /metrics; memoryTrimMs 0 turns it off',
    async () => {
      const d = mkdtempSync(join(tmpdir(), 'mw-trim-agent-'));
      dirs.push(d);
      const fake = new FakeRoot().add({ pid: 1, comm: 'init', argv: ['/sbin/init'] });
      dirs.push(fake.root);
      const srv = await sqliteServer(d);
      try {
        for (const [ms, expected] of [
          [3_600_000, 2],
          [0, 0],
        ] as const) {
          const port = await freePort();
          const agent = await startEnrolledAgent(
            srv,
            { root: fake.root, stateDir: join(d, `agent-${ms}`) },
            { memoryTrimMs: ms, metrics: `127.0.0.1:${port}` },
          );
          try {
            await until('first scan', () => agent.scans >= 1);
            // One trim before the first scan, one after it; none from the hourly timer yet.
            expect(await metric(port, 'minewarden_agent_memory_trims_total')).toBe(expected);
          } finally {
            await agent.stop();
          }
        }
      } finally {
        await srv.close();
      }
    },
  );
});
