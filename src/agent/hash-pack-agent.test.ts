import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  appendFileSync,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../test/fleet/sim-agent.js';
import { enrollmentToken, sqliteServer } from '../../test/helpers/fleet-harness.js';
import { MinewardenError } from '../model/errors.js';
import type { RunningServer } from '../server/run.js';
import type { Agent } from './agent.js';
import { loadAgentConfig } from './config.js';
import { startAgent } from './run.js';

// The agent's scans check executables against hash packs given in its config (`scan.hashPacks`, --hash-pack), as
// `scan --hash-pack` does. The stand-in is a copy of sleep with random bytes appended: no other process shares its hash.
const base = {
  version: 'a1',
  date: '2026-11-26',
  description: 'test fixture pack',
  sources: [{ id: 'fixture', title: 'a harmless stand-in built for this test' }],
};

let srv: RunningServer;
let agent: Agent | null = null;
let work: string;
let child: ChildProcess;
let standin: string;
let sha256: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'mw-agent-pack-'));
  standin = join(work, 'kdevtmpfs');
  copyFileSync('/usr/bin/sleep', standin);
  appendFileSync(standin, randomBytes(32));
  sha256 = createHash('sha256').update(readFileSync(standin)).digest('hex');
  child = spawn(standin, ['120'], { stdio: 'ignore' });
  await until('stand-in running', () => {
    try {
      return readlinkSync(`/proc/${child.pid}/exe`) === standin;
    } catch {
      return false;
    }
  });
  srv = await sqliteServer(work);
}, 60_000);

afterAll(async () => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await agent?.stop();
  await srv?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

function config(hashPacks: string[], hash = true) {
  return {
    scanIntervalMs: 3_600_000,
    heartbeatIntervalMs: 3_600_000,
    scan: { root: '/', sampleMs: 0, hash, hashPacks },
    fleetBans: { enabled: false },
    contentSync: { enabled: false },
    remoteResponse: { enabled: false },
    autoRespond: { mode: 'off' as const },
    posture: { intervalMs: 0 },
    sources: { exec: 'off' as const, authLog: { enabled: false }, dnsWatch: { enabled: false } },
  };
}

describe('agent hash packs', () => {
  it('ships miner.known-hash for an executable listed only in a pack, citing the pack', async () => {
    const pack = join(work, 'pack.json');
    writeFileSync(
      pack,
      JSON.stringify({
        ...base,
        hashes: [{ sha256, family: 'standin', note: 'copy of sleep', source: 'fixture' }],
      }),
    );
    const a = await startAgent(
      loadAgentConfig(undefined, {
        server: srv.url,
        token: await enrollmentToken(srv),
        stateDir: join(work, 'state'),
        ...config([pack]),
      }),
    );
    agent = a;
    await until('first scan shipped', () => a.scans >= 1 && a.queue.stats().depth === 0, 60_000);
    expect(a.lastError).toBeNull();
    const rows = await srv.store.fleet.listFindings({ limit: 100_000 });
    const hits = rows
      .map((r) => r.finding)
      .filter((f) => f.ruleId === 'miner.known-hash' && f.entity.pid === child.pid);
    expect(hits).toEqual([
      expect.objectContaining({
        entity: expect.objectContaining({ exe: standin }),
        evidence: expect.objectContaining({ sha256, family: 'standin', list: `${pack} a1` }),
      }),
    ]);
  }, 90_000);

  it('a bad pack stops the start naming the file and field; packs without hashing are refused', async () => {
    const bad = join(work, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ ...base, hashes: [{ sha256: 'abc', family: 'x', note: '', source: 'fixture' }] }),
    );
    const err = await startAgent(
      loadAgentConfig(undefined, { server: srv.url, stateDir: join(work, 'state2'), ...config([bad]) }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MinewardenError);
    expect((err as MinewardenError).location).toMatchObject({ file: bad, field: 'hashes[0].sha256' });
    expect(() =>
      loadAgentConfig(undefined, {
        server: srv.url,
        stateDir: join(work, 'state3'),
        ...config([bad], false),
      }),
    ).toThrow(expect.objectContaining({ code: 'MW_USAGE' }));
  });
});
