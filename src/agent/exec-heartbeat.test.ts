import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { drained, simulatedScan, until } from '../../test/fleet/sim-agent.js';
import { enrolledAgent, sqliteServer } from '../../test/helpers/fleet-harness.js';
import { execFeed, execHeartbeat } from './exec-feed.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('exec source in heartbeats', () => {
  it('says off when there is no exec feed, and nothing before the feed started', () => {
    expect(execHeartbeat([])).toEqual({ mode: 'off' });
    const feed = execFeed('h', 'poll', '/proc');
    expect(execHeartbeat([feed])).toBeUndefined();
  });

  it('ships the mode and the reason for polling, and the server keeps it with the heartbeat', async () => {
    const d = mkdtempSync(join(tmpdir(), 'mw-exec-hb-'));
    dirs.push(d);
    const srv = await sqliteServer(d, { file: 's.db' });
    const { agent } = await enrolledAgent(
      srv,
      'h-exec',
      join(d, 'agent'),
      { scanIntervalMs: 3_600_000, heartbeatIntervalMs: 3_600_000, backoff: { initialMs: 50, maxMs: 200 } },
      { scan: simulatedScan('h-exec', 1).scan, feeds: [execFeed('h-exec', 'poll', '/proc')] },
    );
    agent.start();
    try {
      await until('first batch', () => drained([agent]) && agent.shipper.sent >= 1);
      const [beat] = await srv.store.fleet.recentHeartbeats('h-exec', 1);
      expect(beat?.exec).toMatchObject({ mode: 'poll', reason: expect.stringMatching(/poll/), dropped: 0 });
    } finally {
      await agent.stop();
      await srv.close();
    }
  });
});
