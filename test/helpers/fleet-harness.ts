import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Agent, type AgentOptions } from '../../src/agent/agent.js';
import { loadAgentConfig } from '../../src/agent/config.js';
import { type AgentCredential, enroll } from '../../src/agent/enroll.js';
import { startAgent } from '../../src/agent/run.js';
import { HttpTransport } from '../../src/agent/transport.js';
import { type Finding, findingId } from '../../src/model/finding.js';
import { hashSecret, newId, newSecret } from '../../src/server/auth/secrets.js';
import type { ServerConfig } from '../../src/server/config.js';
import { type RunningServer, runServer } from '../../src/server/run.js';
import { batch } from '../fleet/fixtures.js';

/** A real server on a SQLite file in `dir`, on a free loopback port. */
export function sqliteServer(
  dir: string,
  opts: { file?: string; port?: number; config?: ServerConfig } = {},
): Promise<RunningServer> {
  return runServer({
    db: `sqlite:${join(dir, opts.file ?? 'server.db')}`,
    host: '127.0.0.1',
    port: opts.port ?? 0,
    ...(opts.config ? { config: opts.config } : {}),
  });
}

/** A new enrollment token stored on the server, valid for a minute; returns the secret an agent enrolls with. */
export async function enrollmentToken(srv: RunningServer, maxUses = 1): Promise<string> {
  const token = newSecret('mwe');
  await srv.store.auth.createEnrollmentToken({
    id: newId('e'),
    tokenHash: hashSecret(token),
    createdBy: 'test',
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 60_000),
    maxUses,
  });
  return token;
}

/**
 * Starts an agent that enrolls with a new token, scanning `root`. Only what the test turns on runs: scans and
 * heartbeats an hour apart, no ban polling, no content sync, no live sources. Each key of `overrides` replaces the
 * default's key whole (a test that turns on auth logs gives the whole `sources`).
 */
export async function startEnrolledAgent(
  srv: RunningServer,
  opts: { root: string; stateDir: string },
  overrides: Record<string, unknown> = {},
): Promise<Agent> {
  const token = await enrollmentToken(srv);
  mkdirSync(opts.stateDir, { recursive: true });
  return startAgent(
    loadAgentConfig(undefined, {
      server: srv.url,
      token,
      stateDir: opts.stateDir,
      scanIntervalMs: 3_600_000,
      heartbeatIntervalMs: 3_600_000,
      scan: { root: opts.root, sampleMs: 0, hash: false },
      fleetBans: { enabled: false },
      contentSync: { enabled: false },
      sources: { exec: 'off', authLog: { enabled: false }, dnsWatch: { enabled: false } },
      ...overrides,
    }),
  );
}

/**
 * Enrolls `hostId` into `stateDir` with a new token and builds (does not start) an agent that ships to `srv` over
 * HTTP; `config` holds the agent config keys besides server and stateDir, `opts` the scan, feeds and the like.
 */
export async function enrolledAgent(
  srv: RunningServer,
  hostId: string,
  stateDir: string,
  config: Record<string, unknown>,
  opts: Omit<AgentOptions, 'config' | 'transport'> = {},
): Promise<{ agent: Agent; cred: AgentCredential }> {
  const cred = await enroll(srv.url, await enrollmentToken(srv), { id: hostId, name: hostId }, stateDir);
  const agent = new Agent({
    ...opts,
    config: loadAgentConfig(undefined, { server: srv.url, stateDir, ...config }),
    transport: new HttpTransport(srv.url, () => cred.credential),
  });
  return { agent, cred };
}

/** An SSH brute-force finding from `ip` on `hostId`, as the live detector reports it. */
export function bruteForceFinding(
  hostId: string,
  ip: string,
  time = new Date().toISOString(),
  evidence: Finding['evidence'] = {},
): Finding {
  const entity = { kind: 'source-ip' as const, ip };
  return {
    id: findingId(hostId, 'ssh.brute-force', entity),
    ruleId: 'ssh.brute-force',
    title: 'SSH brute force',
    severity: 'high',
    confidence: 0.9,
    category: 'credential-access',
    techniques: ['T1110'],
    host: { id: hostId, name: hostId },
    time,
    entity,
    evidence,
  };
}

/** Registers an agent for `hostId` directly in the store; returns its credential. */
export async function addAgent(srv: RunningServer, hostId: string): Promise<string> {
  const cred = newSecret('mwa');
  await srv.store.auth.createAgent({
    id: `a-${hostId}`,
    hostId,
    name: hostId,
    credentialHash: hashSecret(cred),
    createdAt: new Date(),
  });
  return cred;
}

/** Ships `findings` for `hostId` through the ingest API with the agent credential, and expects them accepted. */
export async function ingestAs(
  srv: RunningServer,
  cred: string,
  hostId: string,
  findings: Finding[],
): Promise<void> {
  const res = await fetch(`${srv.url}/api/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${cred}` },
    body: JSON.stringify(batch(hostId, `bb-${hostId}`, findings)),
  });
  expect(res.status).toBe(200);
}
