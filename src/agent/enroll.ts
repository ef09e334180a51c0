import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { MinewardenError } from '../model/errors.js';
import type { Host } from '../model/host.js';
import { type HttpAnswer, httpRequest, jsonOf } from './http.js';

const StoredCredential = z.object({
  server: z.string(),
  agentId: z.string(),
  hostId: z.string(),
  credential: z.string(),
});
export type AgentCredential = z.infer<typeof StoredCredential>;

export function credentialPath(stateDir: string): string {
  return join(stateDir, 'credential.json');
}

export function loadCredential(stateDir: string): AgentCredential | null {
  let text: string;
  try {
    text = readFileSync(credentialPath(stateDir), 'utf8');
  } catch {
    return null;
  }
  const r = StoredCredential.safeParse(JSON.parse(text));
  if (!r.success)
    throw new MinewardenError(
      'MW_CONFIG_INVALID',
      'stored agent credential is damaged; delete it to enroll again',
      {
        file: credentialPath(stateDir),
      },
    );
  return r.data;
}

/** Trades the enrollment token for this agent's own credential and keeps it readable by root only. */
export async function enroll(
  server: string,
  token: string,
  host: Host,
  stateDir: string,
): Promise<AgentCredential> {
  let res: HttpAnswer;
  try {
    res = await httpRequest(new URL('/api/agents/enroll', server), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, host: { id: host.id, name: host.name } }),
      timeoutMs: 30_000,
      maxBytes: 1024 * 1024,
    });
  } catch (err) {
    throw new MinewardenError('MW_AGENT_ENROLL', `cannot reach ${server}: ${(err as Error).message}`, {
      field: '--server',
    });
  }
  if (res.status !== 201)
    throw new MinewardenError('MW_AGENT_ENROLL', `server answered ${res.status} to enrollment`, {
      field: '--token',
    });
  const body = z
    .object({ agentId: z.string(), hostId: z.string(), credential: z.string() })
    .parse(jsonOf(res));
  const cred = { server, ...body };
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = credentialPath(stateDir);
  writeFileSync(file, JSON.stringify(cred), { mode: 0o600 });
  chmodSync(file, 0o600);
  return cred;
}
