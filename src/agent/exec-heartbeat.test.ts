import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { drained, simulatedScan, until } from '../../test/fleet/sim-agent.js';
import { hashSecret, newId, newSecret } from '../server/auth/secrets.js';
import { type RunningServer, runServer } from '../server/run.js';
import { Agent, type EventFeed } from './agent.js';
import { loadAgentConfig } from './config.js';
import { enroll } from './enroll.js';
import { execFeed, execHeartbeat } from './exec-feed.js';
import { HttpTransport } from './transport.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function enrollmentToken(srv: RunningServer): Promise<string> {
  const token = newSecret('mwe');
  await srv.store.auth.createEnrollmentToken({
    id: newId('e'),
    tokenHash: hashSecret(token),
    createdBy: 'test',
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 60_000),
    maxUses: 10,
  });
  return token;
}

describe('exec source in heartbeats', () => {
  it('says off when there is no exec feed, and nothing before the feed started', () => {
    expect(execHeartbeat([])).toEqual({ mode: 'off' });
    const feed = execFeed('h', 'poll', '/proc');
    expect(execHeartbeat([feed])).toBeUndefined();
  });

  it('ships the mode and the reason for polling, and the server keeps it with the heartbeat', async () => {
    const d = mkdtempSync(join(tmpdir(), 'mw-exec-hb-'));
    dirs.push(d);
    const srv = await runServer({ db: `sqlite:${join(d, 's.db')}`, host: '127.0.0.1', port: 0 });
    const stateDir = join(d, 'agent');
    const cred = await enroll(
      srv.url,
      await enrollmentToken(srv),
      { id: 'h-exec', name: 'h-exec' },
      stateDir,
    );
    const config = loadAgentConfig(undefined, {
      server: srv.url,
      stateDir,
      scanIntervalMs: 3_600_000,
      heartbeatIntervalMs: 3_600_000,
      backoff: { initialMs: 50, maxMs: 200 },
    });
    const feeds: EventFeed[] = [execFeed('h-exec', 'poll', '/proc')];
    const agent = new Agent({
      config,
      transport: new HttpTransport(srv.url, () => cred.credential),
      scan: simulatedScan('h-exec', 1).scan,
      feeds,
    });
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
