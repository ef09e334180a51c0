import type { z } from 'zod';
import type { CpuHistorySchema } from '../../server/cpu-history.js';
import type {
  HostViewSchema,
  IncidentListSchema,
  IncidentViewSchema,
  OverviewSchema,
  SurfaceSchema,
} from '../../server/dashboard/schemas.js';
import type { RequestView } from '../../server/remote-response-view.js';

// The server's own response schemas are the contract: a renamed field fails the UI typecheck, not the user.
export type Overview = z.infer<typeof OverviewSchema>;
export type HostView = z.infer<typeof HostViewSchema>;
export type IncidentList = z.infer<typeof IncidentListSchema>;
export type IncidentView = z.infer<typeof IncidentViewSchema>;
export type Surface = z.infer<typeof SurfaceSchema>;
export type CpuHistory = z.infer<typeof CpuHistorySchema>;
export type Role = 'viewer' | 'analyst' | 'admin';
export interface Me {
  id: string;
  name: string;
  role: Role;
}

export interface ActionEntry {
  id: string;
  runId: string;
  kind: string;
  target: string;
  status: string;
  summary: string;
  reason: string;
  detail?: string;
  reversible: boolean;
  needsConfirmation: boolean;
  simulate: boolean;
  updatedAt: string;
}
export interface ResponseRun {
  runId: string;
  apply: boolean;
  entries: ActionEntry[];
  notes: string[];
}
export interface UndoOutcome {
  id: string;
  kind: string;
  ok: boolean;
  reversible: boolean;
  detail: string;
}
/** A response asked for a host the server does not run on, carried out by that host's agent. */
export type RemoteRequest = z.infer<typeof RequestView>;
/** Where a response to an incident runs: this server, the host's agent, or nowhere (no agent). */
export interface ResponseInfo {
  mode: 'local' | 'remote' | 'none';
  host: { id: string; name: string };
  requests: RemoteRequest[];
}
export interface Suppression {
  id: string;
  rule: string;
  resource: string;
  reason: string;
  expires: string;
  by: string;
  createdAt: string;
}
export interface PostureCheck {
  ruleId: string;
  title: string;
  severity: string;
  open: number;
  findings: Array<{
    id: string;
    hostId: string;
    hostName: string;
    resource: string;
    suppressedBy: { rule: string; resource: string; reason: string; expires: string } | null;
  }>;
}
export interface PostureView {
  score: number;
  checks: PostureCheck[];
  suppressions: Suppression[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Fired when any call comes back 401, so the app can show the login form again. */
export const SESSION_EXPIRED = 'mw-session-expired';

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(path, {
    method: init.method ?? 'GET',
    credentials: 'same-origin',
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  if (res.status === 401 && path !== '/api/login') window.dispatchEvent(new Event(SESSION_EXPIRED));
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const b = (await res.json()) as { message?: string };
      if (b.message) message = b.message;
    } catch {}
    throw new ApiError(res.status, message);
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export function canRespond(me: Me | null): boolean {
  return me?.role === 'analyst' || me?.role === 'admin';
}
