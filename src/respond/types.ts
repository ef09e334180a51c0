import type { SafetyGuard } from './safety.js';

export const ACTION_KINDS = ['kill', 'quarantine', 'unpersist', 'block', 'ban'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/**
 * One planned step. `params` is everything apply needs, decided at plan time and journaled before anything runs,
 * so the plan a person reads is exactly what executes.
 */
export interface PlannedAction<P = unknown> {
  /** Stable within one plan; the journal assigns the durable id. */
  kind: ActionKind;
  /** What it acts on, for people: `pid 4242 (/dev/shm/.x/kdevtmpfsi)`, `/etc/cron.d/x line 3`, `10.0.0.2`. */
  target: string;
  summary: string;
  /** Why it was planned: the finding ids and policy rule behind it. */
  reason: string;
  findingIds: string[];
  incidentId?: string;
  /** The policy rule that planned it; a rule in simulation mode plans but never applies. */
  ruleId?: string;
  simulate: boolean;
  /** Needs an explicit confirmation (`--confirm`) on top of `--apply`, e.g. removing SSH keys. */
  needsConfirmation: boolean;
  reversible: boolean;
  params: P;
}

export interface VerifyResult {
  ok: boolean;
  detail: string;
}

/** What actions may touch. Tests point every path and the firewall at places they created. */
export interface ActionContext {
  /** Host root for persistence files (tests use a temporary root). */
  root: string;
  /** /proc to read processes from. */
  procDir: string;
  /** Quarantine and backups live here (root-only). */
  stateDir: string;
  safety: SafetyGuard;
  /** Network namespace (by name) the firewall commands run in; undefined = this host's namespace. */
  netns?: string;
  /** Force the iptables/ipset fallback even where nft exists (tests; hosts that standardised on iptables). */
  firewallBackend?: 'nft' | 'iptables';
  now(): number;
}

/**
 * plan -> apply -> verify -> undo, one implementation per kind. Params and undo data come back from the journal as
 * JSON, so each action validates them (parse) before trusting them.
 */
export interface Action<P, U> {
  kind: ActionKind;
  parseParams(raw: unknown): P;
  parseUndo(raw: unknown): U;
  /** Performs the step and returns what undo needs. Throws RefusedError when safety says no. */
  apply(params: P, ctx: ActionContext): Promise<U>;
  verify(params: P, undo: U, ctx: ActionContext): Promise<VerifyResult>;
  /** Reverses the step; throws when it cannot (irreversible kinds throw a clear error). */
  undo(params: P, undo: U, ctx: ActionContext): Promise<void>;
}

/** A safety or identity check said no. Not a bug: the runner journals it as `refused` with the reason. */
export class RefusedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'RefusedError';
  }
}

export function zodParser<T>(schema: { parse(v: unknown): T }): (raw: unknown) => T {
  return (raw) => schema.parse(raw);
}
