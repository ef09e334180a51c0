import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { type Finding, findingId } from '../model/finding.js';
import type { HostRef } from '../model/host.js';
import { httpRequest, jsonOf } from './http.js';

/** The rule id a pushed ban carries into the response policy: match it there (`rules: [fleet.ban-list]`) to act. */
export const FLEET_BAN_RULE = 'fleet.ban-list';

const BanSchema = z.object({
  ip: z.union([z.ipv4(), z.ipv6()]),
  hosts: z.array(z.string().max(256)).max(10_000),
  firstSeen: z.string().max(64),
  lastSeen: z.string().max(64),
  expiresAt: z.iso.datetime({ offset: true }),
  reason: z.string().max(500),
});
export const BanListSchema = z.object({
  bans: z.array(BanSchema).max(100_000),
  updatedAt: z.string().nullable(),
});
export type PushedBan = z.infer<typeof BanSchema>;

/** What became of one pushed ban on this host. */
export interface BanOutcome {
  ip: string;
  expiresAt: string;
  /** applied: the policy enforced it; simulated: a simulate rule journaled it; recorded: no rule allows it. */
  outcome: 'applied' | 'simulated' | 'recorded' | 'refused' | 'failed';
  detail?: string;
}

/** Hands bans to the response engine; the default only records them. */
export type BanApplier = (findings: Finding[]) => Promise<BanOutcome[]>;

/** A pushed ban as a finding on this host, so the response policy decides about it like about any finding. */
export function banFinding(host: HostRef, b: PushedBan, now: number): Finding {
  const entity = { kind: 'source-ip' as const, ip: b.ip };
  return {
    id: findingId(host.id, FLEET_BAN_RULE, entity),
    ruleId: FLEET_BAN_RULE,
    title: `Fleet ban: ${b.ip} ${b.reason}`,
    severity: 'high',
    confidence: 0.9,
    category: 'credential-access',
    techniques: ['T1110'],
    host,
    time: new Date(now).toISOString(),
    entity,
    evidence: { hosts: b.hosts, firstSeen: b.firstSeen, lastSeen: b.lastSeen, expiresAt: b.expiresAt },
  };
}

export interface BanPollerOptions {
  server: string;
  credential: () => string;
  host: () => HostRef | null;
  stateDir: string;
  pollMs: number;
  apply: BanApplier;
  log?: (msg: string, f?: Record<string, unknown>) => void;
}

/**
 * Polls the server's ban list and passes each new or extended ban to the applier once. Every outcome is written to
 * `fleet-bans.json` in the state dir, so an operator sees what the fleet asked for even where nothing was applied.
 */
export class FleetBanPoller {
  readonly handled = new Map<string, BanOutcome>();
  polls = 0;
  failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** The list as last polled, by address: the live SSH detectors ask it about addresses that log in. */
  private latest = new Map<string, PushedBan>();

  constructor(private readonly o: BanPollerOptions) {}

  /** An address the fleet is banning, with the hosts it brute-forced; null when it is not (or no longer) listed. */
  attacker(ip: string): { hosts: readonly string[]; firstSeen: string } | null {
    const b = this.latest.get(ip);
    return b && Date.parse(b.expiresAt) > Date.now() ? { hosts: b.hosts, firstSeen: b.firstSeen } : null;
  }

  start(): void {
    this.timer = setInterval(() => void this.pollOnce(), this.o.pollMs);
    this.timer.unref();
  }

  pollOnce(): Promise<void> {
    this.running ??= this.poll().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async poll(): Promise<void> {
    const host = this.o.host();
    if (!host) return;
    let list: z.infer<typeof BanListSchema>;
    try {
      const res = await httpRequest(new URL('/api/agent/fleet-bans', this.o.server), {
        headers: { authorization: `Bearer ${this.o.credential()}` },
        timeoutMs: 10_000,
      });
      if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}`);
      list = BanListSchema.parse(jsonOf(res));
    } catch (err) {
      this.failures++;
      this.o.log?.('fleet ban list unavailable', { error: (err as Error).message.slice(0, 200) });
      return;
    }
    this.polls++;
    this.latest = new Map(list.bans.map((b) => [b.ip, b]));
    const now = Date.now();
    const fresh = list.bans.filter(
      (b) => Date.parse(b.expiresAt) > now && this.handled.get(b.ip)?.expiresAt !== b.expiresAt,
    );
    if (fresh.length === 0) return;
    let outcomes: BanOutcome[];
    try {
      outcomes = await this.o.apply(fresh.map((b) => banFinding(host, b, now)));
    } catch (err) {
      outcomes = fresh.map((b) => ({
        ip: b.ip,
        expiresAt: b.expiresAt,
        outcome: 'failed' as const,
        detail: (err as Error).message,
      }));
    }
    const expires = new Map(fresh.map((b) => [b.ip, b.expiresAt]));
    for (const o of outcomes) this.handled.set(o.ip, { ...o, expiresAt: expires.get(o.ip) ?? o.expiresAt });
    for (const [ip, o] of this.handled) if (Date.parse(o.expiresAt) <= now) this.handled.delete(ip);
    writeFileSync(
      join(this.o.stateDir, 'fleet-bans.json'),
      `${JSON.stringify([...this.handled.values()], null, 2)}\n`,
      {
        mode: 0o600,
      },
    );
    this.o.log?.('fleet bans', { outcomes: outcomes.map((o) => `${o.ip}:${o.outcome}`).slice(0, 20) });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}

/** Without a response policy nothing is applied: every ban is recorded. */
export const recordOnly: BanApplier = async (findings) =>
  findings.map((f) => ({
    ip: f.entity.ip ?? '',
    expiresAt: String(f.evidence.expiresAt),
    outcome: 'recorded',
    detail: 'no response policy configured',
  }));
