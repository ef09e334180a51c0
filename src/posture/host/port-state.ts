import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { MinewardenError } from '../../model/errors.js';
import type { BindScope } from '../../model/inventory.js';
import type { ExposedListener } from './exposure.js';

/**
 * Listener state kept between runs, so a port that opens, closes or widens (loopback -> any) becomes a finding.
 * Kept in a JSON file (--state) or in the store's listener_state table (--db, see port-store.ts). One entry per
 * transport and port: the widest bind of that port is its exposure.
 */
const SCOPES = ['loopback', 'private', 'public', 'any'] as const;
const SCOPE_RANK: Record<BindScope, number> = { loopback: 0, private: 1, public: 2, any: 3 };

const EntrySchema = z.object({
  transport: z.enum(['tcp', 'udp']),
  port: z.number().int().min(0).max(65535),
  ip: z.string(),
  scope: z.enum(SCOPES),
  pid: z.number().int().optional(),
  exe: z.string().optional(),
  user: z.string().optional(),
  service: z.string().optional(),
});
export type PortEntry = z.infer<typeof EntrySchema>;

const StateSchema = z.object({ version: z.literal(1), time: z.string(), listeners: z.array(EntrySchema) });
export type PortState = z.infer<typeof StateSchema>;

export interface PortChange {
  change: 'opened' | 'closed' | 'widened';
  entry: PortEntry;
  previous?: PortEntry;
  time: string;
  since: string;
}

export function stateOf(listeners: readonly ExposedListener[], time: string): PortState {
  const byKey = new Map<string, PortEntry>();
  for (const l of listeners) {
    const key = `${l.transport}:${l.port}`;
    const prev = byKey.get(key);
    if (prev && SCOPE_RANK[prev.scope] >= SCOPE_RANK[l.scope]) continue;
    const e: PortEntry = { transport: l.transport, port: l.port, ip: l.ip, scope: l.scope };
    if (l.pid !== undefined) e.pid = l.pid;
    if (l.exe) e.exe = l.exe;
    if (l.user) e.user = l.user;
    if (l.service) e.service = l.service;
    byKey.set(key, e);
  }
  const sorted = [...byKey.values()].sort(
    (a, b) => a.transport.localeCompare(b.transport) || a.port - b.port,
  );
  return { version: 1, time, listeners: sorted };
}

/** Pure: what changed from `prev` to `cur`. No previous state means a baseline, not a flood of "opened". */
export function diffPorts(prev: PortState | undefined, cur: PortState): PortChange[] {
  if (!prev) return [];
  const key = (e: PortEntry) => `${e.transport}:${e.port}`;
  const before = new Map(prev.listeners.map((e) => [key(e), e]));
  const after = new Map(cur.listeners.map((e) => [key(e), e]));
  const out: PortChange[] = [];
  for (const [k, e] of after) {
    const p = before.get(k);
    if (!p) out.push({ change: 'opened', entry: e, time: cur.time, since: prev.time });
    else if (SCOPE_RANK[e.scope] > SCOPE_RANK[p.scope])
      out.push({ change: 'widened', entry: e, previous: p, time: cur.time, since: prev.time });
  }
  for (const [k, p] of before)
    if (!after.has(k)) out.push({ change: 'closed', entry: p, time: cur.time, since: prev.time });
  return out;
}

export function loadPortState(file: string): PortState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MinewardenError('MW_INPUT_UNREADABLE', 'cannot read the port state', { file }, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new MinewardenError(
      'MW_INPUT_PARSE',
      'port state is not valid JSON (delete it to start a new baseline)',
      { file },
    );
  }
  return parsePortState(raw, file);
}

/** Validates a stored listener set; `where` names the file or table row in the error. */
export function parsePortState(raw: unknown, where: string): PortState {
  const r = StateSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new MinewardenError('MW_INPUT_SCHEMA', issue.message, { file: where, field: issue.path.join('.') });
  }
  return r.data;
}

/** Written to a temporary file and renamed, so a crash never leaves half a state behind. */
export function savePortState(file: string, state: PortState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}
