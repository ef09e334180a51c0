import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MinewardenError } from '../model/errors.js';
import type { Finding } from '../model/finding.js';
import type { Incident } from '../model/incident.js';
import { FindingSchema, IncidentSchema } from '../model/schemas.js';
import { scanHost } from '../scan/scan.js';
import { readHostInfo } from '../sources/procfs/host-info.js';
import { readPasswd } from '../sources/procfs/passwd.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { rootOnlyDir } from './fsutil.js';
import { Journal } from './journal/journal.js';
import type { Policy } from './policy.js';
import { SafetyGuard } from './safety.js';
import type { ActionContext } from './types.js';

export interface SessionOptions {
  stateDir: string;
  /** Store URL; default sqlite under the state dir. */
  db?: string;
  root: string;
  procDir?: string;
  netns?: string;
  firewallBackend?: 'nft' | 'iptables';
  policy: Policy;
  /** Applied actions of the last day, seeded from the journal: rate limits count them. */
  rateWindowMs?: number;
}

export interface ResponseSession {
  store: Store;
  journal: Journal;
  ctx: ActionContext;
  hostId: string;
  close(): Promise<void>;
}

export function defaultStateDir(): string {
  return process.env.MINEWARDEN_STATE_DIR ?? '/var/lib/minewarden';
}

/** Opens the journal, builds the safety layer from the policy, and the context actions run in. */
export async function openSession(opts: SessionOptions): Promise<ResponseSession> {
  const stateDir = rootOnlyDir(opts.stateDir);
  const procDir = opts.procDir ?? '/proc';
  const store = await openStore(opts.db ?? `sqlite:${stateDir}/minewarden.db`);
  const hostId = readHostInfo('', procDir, true).id;
  const journal = new Journal(store.actions, hostId);
  const applied = await journal.appliedSince(Date.now() - (opts.rateWindowMs ?? 86_400_000));
  const p = opts.policy;
  const safety = new SafetyGuard({
    procDir,
    allowlist: p.allow,
    users: readPasswd('/etc/passwd'),
    rateLimits: Object.fromEntries(
      Object.entries(p.limits).map(([k, v]) => [k, { max: v.max, windowSec: v.window }]),
    ),
    countRecent: (kind, since) => applied.filter((a) => a.kind === kind && a.at >= since).length,
  });
  const ctx: ActionContext = {
    root: opts.root,
    procDir,
    stateDir,
    safety,
    ...(opts.netns ? { netns: opts.netns } : {}),
    ...(opts.firewallBackend ? { firewallBackend: opts.firewallBackend } : {}),
    now: Date.now,
  };
  return { store, journal, ctx, hostId, close: () => store.close() };
}

const ScanFileSchema = z.object({
  findings: z.array(FindingSchema),
  incidents: z.array(IncidentSchema).default([]),
});

export interface Evidence {
  findings: Finding[];
  incidents: Incident[];
}

/** Findings and incidents from a saved `scan --format json` (validated), or from a fresh scan of this host. */
export async function loadEvidence(from?: string): Promise<Evidence> {
  if (!from) {
    const r = await scanHost({ sampleMs: 0, hash: false });
    return { findings: r.findings, incidents: r.incidents };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(from, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code)
      throw new MinewardenError(code === 'ENOENT' ? 'MW_INPUT_NOT_FOUND' : 'MW_INPUT_UNREADABLE', code, {
        file: from,
      });
    throw new MinewardenError('MW_INPUT_PARSE', (err as Error).message, { file: from });
  }
  const parsed = ScanFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MinewardenError('MW_INPUT_SCHEMA', issue?.message ?? 'invalid', {
      file: from,
      field: issue?.path.join('.') ?? '',
    });
  }
  return parsed.data;
}

/** The findings one respond request is about: an incident's, one finding with its process's siblings, or a pid's. */
export function selectFindings(
  ev: Evidence,
  sel: { incident?: string; finding?: string; pids?: readonly number[] },
): Finding[] {
  if (sel.incident) {
    const inc = ev.incidents.find((i) => i.id === sel.incident);
    const ids = new Set(inc?.findings ?? []);
    const out = ev.findings.filter((f) => f.incidentId === sel.incident || ids.has(f.id));
    if (!inc && out.length === 0)
      throw new MinewardenError('MW_INPUT_NOT_FOUND', `no incident ${sel.incident} in the evidence`, {
        field: '--incident',
      });
    return out;
  }
  if (sel.finding) {
    const f = ev.findings.find((x) => x.id === sel.finding);
    if (!f)
      throw new MinewardenError(
        'MW_INPUT_NOT_FOUND',
        `no finding ${sel.finding} (is the process still running?)`,
        {
          field: '--finding',
        },
      );
    if (f.entity.kind !== 'process' || f.entity.pid === undefined) return [f];
    return ev.findings.filter(
      (x) => x.entity.pid === f.entity.pid && x.entity.startTime === f.entity.startTime,
    );
  }
  const pids = new Set(sel.pids ?? []);
  return ev.findings.filter((f) => f.entity.pid !== undefined && pids.has(f.entity.pid));
}
